"""Pure rules of message texts: which templates and languages exist, what may reach a
mail header or an SMS, what a marketing SMS adds, and what a staff version may contain.

No line break may reach an email's ``Subject`` header or an SMS: a variable's value is
made one line before it is interpolated (:func:`one_line`, whatever the upstream service
checked), an email's subject is the first line of its rendered template, and an SMS must
render as one line or the template is broken (:class:`TemplateError`).

A staff version (:func:`refusal`) uses only its template's declared variables and the
filters of :data:`FILTERS`, includes no other template, and keeps the channel's shape: an
SMS is one line, an email starts with ``Subject:``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, get_args

from jinja2 import nodes

from services.messaging.templates.errors import TemplateError
from shared.events.customer import Locale
from shared.events.messaging import Channel
from shared.inputs import SingleLine

Template = Literal[
    "welcome",
    "points_earned",
    "points_digest",
    "points_expiring",
    "points_expired",
    "tier_upgrade",
    "tier_downgrade",
    "tier_manual",
    "reward_ordered",
    "reward_fulfilled",
    "reward_cancelled",
    "ticket_survey",
    "first_purchase_welcome",
    "birthday_greeting",
    "holiday_greeting",
    "win_back",
    "coupon_granted",
    "ticket_escalated",
    "coupon_expiring",
    "referral_rewarded",
    "draw_won",
    "broadcast",
    "signin_code",
]
TEMPLATES: tuple[Template, ...] = get_args(Template)
MessageClass = Literal["transactional", "marketing"]

CLASS_OF: Mapping[str, MessageClass] = {
    "welcome": "marketing",
    "ticket_survey": "marketing",
    "first_purchase_welcome": "marketing",
    "birthday_greeting": "marketing",
    "holiday_greeting": "marketing",
    "win_back": "marketing",
    "coupon_granted": "transactional",
    "broadcast": "marketing",
    "points_earned": "transactional",
    "points_digest": "transactional",
    "points_expiring": "transactional",
    "points_expired": "transactional",
    "tier_upgrade": "transactional",
    "tier_downgrade": "transactional",
    "tier_manual": "transactional",
    "reward_ordered": "transactional",
    "reward_fulfilled": "transactional",
    "reward_cancelled": "transactional",
    "ticket_escalated": "transactional",
    "coupon_expiring": "transactional",
    "referral_rewarded": "transactional",
    "draw_won": "transactional",
    "signin_code": "transactional",
}
"""The class of each template key (seed 004, 客户营销短信: greetings, the new customer's
welcome and offers market; what tells a member of their account is transactional).
Journeys (birthday, holiday, win-back), campaigns and surveys are marketing: their SMS end
with the opt-out instruction, and the messaging policy caps, deduplicates and defers them."""
SECRET_TEMPLATES: frozenset[str] = frozenset({"signin_code"})
"""Templates whose text is a secret (a one-time sign-in code): their rendered body is kept
encrypted with the PII key in ``notifications.body`` and decrypted only to send it; they
go by SMS only, to the phone that asked, with or without consent."""
LOCALES: tuple[Locale, ...] = get_args(Locale)
DEFAULT_LOCALE: Locale = "zh-CN"

SUBJECT_PREFIX = "Subject:"
MAX_SUBJECT_LENGTH = 255
"""Characters of a subject: the length of ``notifications.subject``."""

# what a one-line text field refuses: line breaks, tabs, control, bidirectional control
# and invisible formatting characters (shared.inputs.text)
_NOT_ONE_LINE = re.compile(f"(?:{SingleLine.refused_regex.pattern})+")


@dataclass(frozen=True)
class Variable:
    """A variable a template is given: its name, what it means, a sample value."""

    name: str
    about: str
    sample: object


@dataclass(frozen=True)
class Entry:
    """A template of the catalog: when it is sent and the variables it is given."""

    template: Template
    summary: str
    variables: tuple[Variable, ...]

    @classmethod
    def of(cls, template: Template, entry: Mapping[str, Any], *common: Variable) -> Entry:
        """From the catalog file's table ``[template]``: ``summary`` and
        ``variables.<name> = {about, sample}``; ``common`` variables first."""
        declared = tuple(
            Variable(name, spec["about"], spec["sample"])
            for name, spec in entry.get("variables", {}).items()
        )
        return cls(template, entry["summary"], (*common, *declared))

    @property
    def names(self) -> list[str]:
        return [variable.name for variable in self.variables]

    def context(self, given: Mapping[str, object]) -> dict[str, object]:
        """The sample values with ``given`` ones over them, as the template gets them
        (:func:`coerce`)."""
        return {
            v.name: coerce(v.sample, given[v.name]) if v.name in given else v.sample
            for v in self.variables
        }


def message_class(template: str) -> MessageClass:
    """The class of ``template``; a key not in :data:`CLASS_OF` is marketing, whose rules
    are the stricter ones."""
    return CLASS_OF.get(template, "marketing")


def is_marketing(template: str) -> bool:
    return message_class(template) == "marketing"


def pick_locale(locale: str) -> Locale:
    """The member's language if we have templates for it, else the brand's default."""
    for known in LOCALES:
        if known == locale:
            return known
    return DEFAULT_LOCALE


def one_line(text: str) -> str:
    """``text`` with each run of characters a one-line field refuses (line breaks, tabs,
    control, bidirectional control and invisible formatting characters) replaced by one
    space, then trimmed: ``"Gold\\r\\nBcc: x"`` becomes ``"Gold Bcc: x"``."""
    return _NOT_ONE_LINE.sub(" ", text).strip()


def interpolated(value: Any) -> Any:
    """What a template prints for ``{{ value }}``: text as one line, anything else as is."""
    return one_line(value) if isinstance(value, str) else value


def fit(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis if it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_points(value: object) -> str:
    """Points are integers, shown with thousands separators: 12,800."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"points must be an integer, got {value!r}")
    return f"{value:,}"


def format_yuan(value: object) -> str:
    """An amount in fen (an integer) as yuan, with thousands separators and the fen only
    when there are some: 2000 → ``20``, 123450 → ``1,234.50``. The currency sign or 元
    is the text's to write."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"an amount must be an integer of fen, got {value!r}")
    yuan, fen = divmod(abs(value), 100)
    sign = "-" if value < 0 else ""
    return f"{sign}{yuan:,}" if fen == 0 else f"{sign}{yuan:,}.{fen:02d}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""English month abbreviations, whatever the process's C locale says."""


def format_day(value: object, locale: Locale) -> str:
    """A day as the member's language writes it: 2026年12月31日, 31 Dec 2026. An instant
    (a datetime) is refused: its day depends on a timezone the caller must apply."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"a day must be a date, got {value!r}")
    if locale == "en":
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def email_parts(text: str, path: str) -> tuple[str, str]:
    """``(subject, body)`` of a rendered email template: its first line says
    ``Subject: ...``, the rest is the body. The subject is one line and fits its column."""
    first, _, rest = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise TemplateError(f"{path} must start with a 'Subject:' line")
    subject = one_line(first.removeprefix(SUBJECT_PREFIX))
    return fit(subject, MAX_SUBJECT_LENGTH), rest.strip() + "\n"


OPT_OUT: dict[Locale, str] = {"zh-CN": "回T退订", "en": "Reply T to opt out"}
"""How a member stops marketing SMS, said at the end of each (seeds: 短信 …回T退订)."""


def sms_text(text: str, path: str, *, marketing: bool, locale: Locale) -> str:
    """The rendered SMS as the gateway is sent it: one line (its variables already are;
    else :class:`TemplateError`), and for a marketing message the opt-out instruction
    after it, in the template's language. The gateway puts the brand's signature
    【sign】 before it (``shared.sms.as_received``)."""
    text = text.strip()
    if found := SingleLine.refused_regex.search(text):
        raise TemplateError(
            f"{path} must render as one line, found U+{ord(found.group()):04X} "
            f"at character {found.start() + 1}"
        )
    if not marketing:
        return text
    # Chinese runs on without a space, except after a URL or a number
    gap = " " if locale == "en" or text[-1:].isascii() else ""
    return f"{text}{gap}{OPT_OUT[locale]}"


FILTERS = frozenset(
    {
        "points",
        "yuan",
        "day",
        "upper",
        "lower",
        "title",
        "capitalize",
        "trim",
        "default",
        "length",
        "truncate",
        "first",
        "last",
    }
)
"""What a staff version may filter values with: ours (``points``, ``yuan``, ``day``) and plain
text filters of Jinja2's whose work grows with their input only (``join`` and ``replace``
multiply it: ``{{ name|join(name) }}``)."""

_REFUSED_TAGS: dict[type[nodes.Node], str] = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    # a text needs no arithmetic and no calls, and these can make a save or a preview
    # compute a number or a string of gigabytes ({{ 9**9**9 }}, {{ name * 10**9 }},
    # {{ "%0999999999d" % 1 }}, {{ "{:>999999999}".format(1) }})
    nodes.Pow: "**",
    nodes.Mul: "*",
    nodes.Mod: "%",
    nodes.Call: "a call",
}
# what a template may read without declaring it: a for loop's state
_BUILT_IN_NAMES = frozenset({"loop"})


def shape_refusal(text: str, channel: Channel) -> str | None:
    """Why ``text`` cannot be a template of ``channel``, or ``None``: an SMS is one line;
    an email's first line is its subject, ``Subject: ...``, with a body after it."""
    if channel == "sms":
        if "\n" in text:
            return "line 2: an SMS template is one line"
        return None
    first, _, body = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX) or not one_line(first.removeprefix(SUBJECT_PREFIX)):
        return "line 1: an email template starts with 'Subject: ' and the subject"
    if not body.strip():
        return "line 2: an email template has a body after its subject line"
    return None


def refusal(tree: nodes.Template, template: Template, declared: Iterable[str]) -> str | None:
    """Why the parsed staff version ``tree`` of ``template`` cannot be saved, naming the
    first offending variable, filter or tag and its line; ``None`` if it can."""
    declared = list(declared)
    allowed = {*declared, *_BUILT_IN_NAMES}
    assigned = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    # by line, then in the order of the tree (which is the text's within a line)
    found = sorted(_offences(tree, allowed | assigned, template, declared), key=lambda f: f[0])
    return f"line {found[0][0]}: {found[0][1]}" if found else None


def _offences(
    tree: nodes.Template, allowed: set[str], template: Template, declared: list[str]
) -> Iterator[tuple[int, str]]:
    kinds: tuple[type[nodes.Node], ...] = (nodes.Name, nodes.Filter, nodes.For, *_REFUSED_TAGS)
    node: nodes.Node
    for node in tree.find_all(kinds):
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in allowed:
            yield (
                node.lineno,
                f"'{node.name}' is not a variable of {template} (it has: {', '.join(declared)})",
            )
        elif isinstance(node, nodes.Filter) and node.name not in FILTERS:
            yield node.lineno, f"'{node.name}' is not a filter templates may use"
        elif isinstance(node, nodes.For) and (node.recursive or node.find(nodes.For)):
            # one loop's work is bounded by the text and its list; nested ones multiply
            yield node.lineno, "a 'recursive' loop or a loop in a loop is not allowed"
        elif type(node) in _REFUSED_TAGS:
            yield node.lineno, f"'{_REFUSED_TAGS[type(node)]}' is not allowed in a template"


MAX_ITEMS = 100
"""Items of a list a preview is given (a member's expiring days are a handful)."""


def coerce(sample: object, given: object) -> object:
    """A variable's value sent as JSON, as the template gets it: an ISO date where the
    catalog's sample is a date, each item of a list like the sample's first item, each
    member of an object like the sample's. Raises ``ValueError`` for a date that is not
    one and a list of more than :data:`MAX_ITEMS`."""
    if isinstance(sample, date) and isinstance(given, str):
        return date.fromisoformat(given)
    if isinstance(given, list) and len(given) > MAX_ITEMS:
        raise ValueError(f"a list of at most {MAX_ITEMS} items")
    if isinstance(sample, list) and sample and isinstance(given, list):
        return [coerce(sample[0], item) for item in given]
    if isinstance(sample, Mapping) and isinstance(given, Mapping):
        return {name: coerce(sample.get(name), value) for name, value in given.items()}
    return given
