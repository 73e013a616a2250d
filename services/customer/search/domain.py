"""Pure rules of member search: the pinyin initial of a surname and what a query means.

How ``q`` is read (:func:`classify`), after NFKC (full-width ``１３８``/``Ｌｉ`` count as
ASCII) and trimming:

* digits, optionally with a leading ``+`` and the separators a person types (spaces,
  ``-``, ``.``, brackets): a phone number or a card number. It names the member whose phone
  (as a mobile number in the default region, compared by lookup hash) or whose card number
  it is; a text that is neither a valid mobile number nor a card number with a correct
  check digit is refused (422 naming ``q``), as it can match nothing;
* one Latin letter: the pinyin initial of the surname (``l`` finds 李雷 and Li Lei);
* anything else: a part of the name (prefix or contains, case-insensitive).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pypinyin import Style, lazy_pinyin

from services.customer.members.domain import is_valid_card_number
from services.customer.search.errors import SearchParametersClash, UnsearchableQuery
from shared.inputs.phone import PhoneNumberError, to_e164

COMPOUND_SURNAMES: dict[str, str] = {
    "欧阳": "ou",
    "司马": "si",
    "上官": "shang",
    "诸葛": "zhu",
    "东方": "dong",
    "皇甫": "huang",
    "尉迟": "yu",
    "令狐": "ling",
    "慕容": "mu",
    "长孙": "zhang",
    "司徒": "si",
    "夏侯": "xia",
    "单于": "chan",
    "万俟": "mo",
    "宇文": "yu",
    "公孙": "gong",
    "澹台": "tan",
    "端木": "duan",
    "轩辕": "xuan",
}
"""Two-character surnames, by the reading of their first syllable (长孙 is Zhangsun, 万俟
Moqi, 尉迟 Yuchi, 单于 Chanyu, 澹台 Tantai, whatever the characters read alone)."""

SURNAME_READINGS: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "翟": "zhai",
    "覃": "qin",
    "尉": "yu",
    "秘": "bi",
    "繁": "po",
    "种": "chong",
    "重": "chong",
    "长": "chang",
    "宿": "su",
    "隗": "wei",
    "能": "nai",
    "阚": "kan",
    "员": "yun",
    "柏": "bai",
    "薄": "bo",
    "都": "du",
    "那": "na",
    "牟": "mou",
    "过": "guo",
    "华": "hua",
    "纪": "ji",
    "燕": "yan",
    "冼": "xian",
    "沈": "shen",
    "石": "shi",
    "贾": "jia",
    "葛": "ge",
    "曲": "qu",
    "卜": "bu",
    "句": "gou",
    "折": "she",
    "召": "shao",
    "蕃": "pi",
}
"""Surnames whose reading differs from (or is one of several of) the character's everyday
reading. pypinyin 0.55 has no surname mode (its maintainers track this as an open issue),
so this table sits over it; only the initial letter is used, so a wrong tone here is
harmless, a wrong letter is not."""

_PHONE_OR_CARD = re.compile(r"\+?[0-9][0-9 ().\-]*")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def normalise(text: str) -> str:
    """``text`` in NFKC (full-width letters and digits become ASCII), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def surname_initial(name: str) -> str | None:
    """The upper-case pinyin initial of the surname of ``name``: ``李雷`` → ``L``,
    ``单田芳`` → ``S``, ``欧阳修`` → ``O``. A name in Latin letters gives its first letter
    (``Li Lei`` → ``L``: the order in which the name was written is kept, not guessed); a
    name starting with anything else (a digit, a sign, a character pypinyin does not know)
    has none."""
    text = normalise(name)
    if not text:
        return None
    first = text[0]
    if _LATIN_LETTER.fullmatch(first):
        return first.upper()
    reading = COMPOUND_SURNAMES.get(text[:2]) or SURNAME_READINGS.get(first)
    if reading is None:
        syllables = lazy_pinyin(first, style=Style.NORMAL, errors="ignore")
        reading = syllables[0] if syllables else ""
    letter = reading[:1]
    return letter.upper() if _LATIN_LETTER.fullmatch(letter) else None


QueryKind = Literal["number", "initial", "name"]


@dataclass(frozen=True)
class Query:
    """A classified ``q``: ``kind`` and the values to look for.

    ``number``: ``phone`` (E.164, or ``None`` if the digits are no mobile number) and/or
    ``card_number`` (the digits, or ``None`` if their check digit is wrong); at least one
    is set. ``initial``: ``text`` is the upper-case letter. ``name``: ``text`` is the part
    of a name, NFKC and lower-case.
    """

    kind: QueryKind
    text: str = ""
    phone: str | None = None
    card_number: str | None = None


class Unsearchable(ValueError):
    """Why a query can match no member, in words that do not repeat it."""


def classify(q: str) -> Query:
    """What ``q`` means (see the module); raises :class:`Unsearchable` for a blank text and
    for digits that are neither a mobile number nor a card number."""
    text = normalise(q)
    if not text:
        raise Unsearchable("must not be blank")
    if _PHONE_OR_CARD.fullmatch(text):
        return _number(text)
    if _LATIN_LETTER.fullmatch(text):
        return Query(kind="initial", text=text.upper())
    return Query(kind="name", text=name_key(text))


def name_key(text: str) -> str:
    """The form names are compared in: NFKC, lower-case (``ＬＩ`` and ``li`` match Li)."""
    return normalise(text).lower()


def _number(text: str) -> Query:
    digits = re.sub(r"[^0-9]", "", text)
    try:
        phone: str | None = to_e164(text)
    except PhoneNumberError:
        phone = None
    card = digits if not text.startswith("+") and is_valid_card_number(digits) else None
    if phone is None and card is None:
        raise Unsearchable(
            "is digits, but neither a mobile number nor a card number (is a digit missing "
            "or mistyped?)"
        )
    return Query(kind="number", phone=phone, card_number=card)


def parse_q(q: str) -> Query:
    """:func:`classify`, raising :class:`UnsearchableQuery` (422 naming ``q``) instead."""
    try:
        return classify(q)
    except Unsearchable as refused:
        raise UnsearchableQuery(f"q {refused}", field="q", where="query") from refused


def ensure_combinable(
    *,
    q: str | None,
    name: str | None,
    initial: str | None,
    lookup: bool,
    filters: Sequence[str] = (),
) -> None:
    """Raises :class:`SearchParametersClash` (422 naming the parameter) when ``q`` comes
    with any other criterion but custom field ``filters`` (``field.<key>`` names), or a
    phone/card ``lookup`` with ``name``, ``initial`` or a filter: ``name``, ``initial``
    and filters combine with each other, filters with ``q`` too."""
    if lookup and filters:
        raise SearchParametersClash(
            f"phone and card_number look up one member: they cannot be combined with "
            f"{filters[0]} (q can)",
            field=filters[0],
            where="query",
        )
    if q is not None and (name is not None or initial is not None or lookup):
        raise SearchParametersClash(
            "q cannot be combined with name, initial, phone or card_number: it is read as "
            "one of them",
            field="q",
            where="query",
        )
    if lookup and (name is not None or initial is not None):
        raise SearchParametersClash(
            "phone and card_number look up one member: they cannot be combined with "
            f"{'name' if name is not None else 'initial'}",
            field="name" if name is not None else "initial",
            where="query",
        )


GRAM_LENGTH = 2
"""Parts of a name this short are found through :func:`name_grams`; longer ones by trigram."""


def name_grams(name: str) -> set[str]:
    """The distinct 1- and 2-character pieces of :func:`name_key` of ``name`` without
    whitespace: ``李小雷`` gives 李, 小, 雷, 李小, 小雷. Never empty for a valid name."""
    key = name_key(name)
    return {
        key[start : start + length]
        for length in range(1, GRAM_LENGTH + 1)
        for start in range(len(key) - length + 1)
        if not any(char.isspace() for char in key[start : start + length])
    }


def is_gram(text: str) -> bool:
    """Whether a name part (already :func:`name_key`) is looked up as one piece."""
    return len(text) <= GRAM_LENGTH and not any(char.isspace() for char in text)


def pieces_of(part: str) -> list[str]:
    """The distinct 2-character pieces of a longer name part (already :func:`name_key`)
    without whitespace, in order: every name containing ``part`` has each of them."""
    pieces = [part[start : start + GRAM_LENGTH] for start in range(len(part) - 1)]
    return list(dict.fromkeys(piece for piece in pieces if is_gram(piece) and len(piece) == 2))


def ensure_unscoped(*, tag: object, category: object) -> None:
    """Raises :class:`SearchParametersClash` (422 naming ``tag`` or ``category``) when a
    phone or card lookup comes with one: a lookup names one member; ``q`` with digits
    combines with them instead."""
    if tag is not None or category is not None:
        raise SearchParametersClash(
            "phone and card_number look up one member: they cannot be combined with "
            f"{'tag' if tag is not None else 'category'} (q with the digits can)",
            field="tag" if tag is not None else "category",
            where="query",
        )


@dataclass(frozen=True)
class Scope:
    """Members with the tag ``tag_id`` and/or in the category ``category_id`` or one of its
    descendants, and/or registered at the store ``store_id``; ``None``: any."""

    tag_id: uuid.UUID | None = None
    category_id: uuid.UUID | None = None
    store_id: uuid.UUID | None = None


ANYONE = Scope()
