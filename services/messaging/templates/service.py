"""Use cases of templates: the published texts (cached per process), and staff's versions
read, saved, reverted and previewed. They flush, never commit: the caller owns the
transaction.

:func:`published` costs a transaction one small query however many messages it renders:
it asks whether any version was saved since this process's cache was filled (a
``count(*)`` of an append-only table, which changes with every committed save whatever
order their ids were drawn in) and reloads the published texts only then; the answer is
kept on the session for the rest of the transaction (a consumer's batch, a request).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from services.messaging.templates import domain, repository
from services.messaging.templates.errors import (
    TemplateChanged,
    TemplateRefused,
    TemplateVersionNotFound,
)
from services.messaging.templates.models import TemplateVersion
from services.messaging.templates.rendering import (
    CHANNELS,
    DEFAULTS,
    Key,
    Published,
    Rendered,
    catalog,
    compiled,
    default_text,
    parse,
    render_text,
)
from services.messaging.templates.schemas import (
    PreviewIn,
    PreviewOut,
    StatusOut,
    TemplateKeyOut,
    TemplateKeysOut,
    TemplateOut,
    VariableOut,
    VersionOut,
)
from shared import sms
from shared.db import AsyncSession
from shared.events.customer import Locale
from shared.events.messaging import Channel
from shared.preconditions import etag, matching_version

_MEMO = "messaging.templates.published"
_cache = DEFAULTS


async def published(session: AsyncSession) -> Published:
    """The staff versions in force, read once per transaction: from this process's cache
    unless a version was saved since it was filled."""
    memo: Published | None = session.info.get(_MEMO)
    if memo is not None:
        return memo
    global _cache
    generation = await repository.generation(session)
    if generation != _cache.generation:
        rows = await repository.published(session)
        _cache = Published(
            generation,
            {(row.template, row.channel, row.locale): (row.version, row.text) for row in rows},  # type: ignore[misc]
        )
    session.info[_MEMO] = _cache
    return _cache


def _variables(entry: domain.Entry) -> list[VariableOut]:
    return [VariableOut(name=v.name, about=v.about, sample=v.sample) for v in entry.variables]


def _status(channel: Channel, locale: Locale, row: TemplateVersion | None) -> StatusOut:
    if row is None:
        return StatusOut(
            channel=channel,
            locale=locale,
            version=0,
            source="default",
            updated_by=None,
            updated_at=None,
        )
    return StatusOut(
        channel=channel,
        locale=locale,
        version=row.version,
        source="default" if row.text is None else "staff",
        updated_by=row.updated_by,
        updated_at=row.created_at,
    )


async def keys(session: AsyncSession) -> TemplateKeysOut:
    """Every template of the catalog with its variables and, per channel and language,
    the version published."""
    latest = {
        (row.template, row.channel, row.locale): row for row in await repository.published(session)
    }
    return TemplateKeysOut(
        items=[
            TemplateKeyOut(
                key=entry.template,
                summary=entry.summary,
                variables=_variables(entry),
                published=[
                    _status(channel, locale, latest.get((entry.template, channel, locale)))
                    for channel in CHANNELS
                    for locale in domain.LOCALES
                ],
            )
            for entry in catalog().values()
        ]
    )


async def read(session: AsyncSession, key: Key, limit: int, before: int | None) -> TemplateOut:
    """The template's published text, its default and a page of its versions, newest
    first (below version ``before``, if given)."""
    current = await _current(session, key)
    page = await repository.versions(session, key, limit + 1, before)
    return _template(key, current, page[:limit], more=len(page) > limit)


async def _current(session: AsyncSession, key: Key) -> TemplateVersion | None:
    latest = await repository.versions(session, key, 1, None)
    return latest[0] if latest else None


def _template(
    key: Key, current: TemplateVersion | None, page: list[TemplateVersion], *, more: bool
) -> TemplateOut:
    template, channel, locale = key
    status = _status(channel, locale, current)
    default = default_text(template, channel, locale)
    return TemplateOut(
        key=template,
        channel=channel,
        locale=locale,
        version=status.version,
        source=status.source,
        text=default if current is None or current.text is None else current.text,
        default_text=default,
        variables=_variables(catalog()[template]),
        versions=[VersionOut.model_validate(row) for row in page],
        next_cursor=str(page[-1].version) if more and page else None,
    )


def check(key: Key, text: str) -> None:
    """Refuses a text that cannot be a version of ``key``: its shape, its syntax, its
    variables and filters, and a render with the template's sample values.

    Raises :class:`~services.messaging.templates.errors.TemplateRefused` naming what and
    the line."""
    template, channel, _ = key
    if reason := domain.shape_refusal(text, channel):
        raise TemplateRefused(reason, field="text")
    try:
        tree = parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateRefused(f"line {exc.lineno}: {exc.message}", field="text") from exc
    entry = catalog()[template]
    if reason := domain.refusal(tree, template, entry.names):
        raise TemplateRefused(reason, field="text")
    _trial(text, key, entry.context({}), field="text")


def _trial(
    text: str, key: Key, context: Mapping[str, Any], *, field: str, marketing: bool = False
) -> Rendered:
    template, channel, locale = key
    try:
        return render_text(compiled(text), template, locale, channel, context, marketing=marketing)
    except (jinja2.TemplateError, TypeError, ValueError) as exc:
        raise TemplateRefused(f"it does not render: {exc}", field=field) from exc


async def save(
    session: AsyncSession, key: Key, text: str, staff: str, *, if_match: str | None = None
) -> TemplateOut:
    """Publishes ``text`` as the template's next version, saved by ``staff``; a text equal
    to the one published (the default's, while at the default) saves nothing, so a
    retried PUT without ``if_match`` adds no version. With ``if_match`` (an ``If-Match``
    header: ``*`` or entity tags), the published version must be one it names, checked
    under the template's lock.

    Raises what :func:`check` raises, and :class:`TemplateChanged` (412, with the current
    ``ETag``) when ``if_match`` names another version."""
    check(key, text)
    return await _publish(session, key, text, staff, reverted_to=None, if_match=if_match)


async def revert(
    session: AsyncSession, key: Key, version: int, staff: str, *, if_match: str | None = None
) -> TemplateOut:
    """Publishes version ``version``'s text again (0: the code's default) as the next
    version; nothing if that text is the one published, so a retry without ``if_match``
    adds nothing. ``if_match`` as for :func:`save`.

    Raises :class:`~services.messaging.templates.errors.TemplateVersionNotFound` and
    :class:`TemplateChanged`."""
    text: str | None = None
    if version:
        row = await repository.version(session, key, version)
        if row is None:
            raise TemplateVersionNotFound(
                f"{'/'.join(key)} has no version {version}", field="version"
            )
        text = row.text
    return await _publish(session, key, text, staff, reverted_to=version, if_match=if_match)


async def _publish(
    session: AsyncSession,
    key: Key,
    text: str | None,
    staff: str,
    *,
    reverted_to: int | None,
    if_match: str | None = None,
) -> TemplateOut:
    await repository.lock(session, key)
    current = await _current(session, key)
    if if_match is not None and if_match.strip() != "*":
        published_version = 0 if current is None else current.version
        if not matching_version(if_match, published_version):
            raise TemplateChanged(
                f"{'/'.join(key)} is at version {published_version} now, not the one "
                "If-Match names: read it again and redo the edit",
                field="If-Match",
                where="header",
                headers={"ETag": etag(published_version)},
            )
    in_force = None if current is None else current.text
    if text is not None and text == default_text(*key):
        text = None  # the default's own text follows the releases
    if text != in_force:
        template, channel, locale = key
        current = await repository.add(
            session,
            TemplateVersion(
                template=template,
                channel=channel,
                locale=locale,
                version=1 if current is None else current.version + 1,
                text=text,
                reverted_to=reverted_to,
                updated_by=staff,
            ),
        )
    page = await repository.versions(session, key, _PAGE + 1, None)
    return _template(key, current, page[:_PAGE], more=len(page) > _PAGE)


_PAGE = 20
"""Versions a save answers with, newest first."""


async def preview(
    session: AsyncSession,
    key: Key,
    body: PreviewIn,
    *,
    marketing: bool,
    sign: str,
    price_fen: int,
) -> PreviewOut:
    """The message as a member receives it: ``body.text`` (checked as a save would) or the
    published text, with the template's sample values and ``body.variables`` over them;
    an SMS with the brand's signature ``sign`` and its parts and cost (segments ×
    ``price_fen`` per segment, in fen).

    Raises :class:`~services.messaging.templates.errors.TemplateRefused` for a draft a
    save would refuse, and for variables the template is not given (naming
    ``variables.<name>``) or values it cannot render."""
    template, channel, _ = key
    entry = catalog()[template]
    for name in body.variables:
        if name not in entry.names:
            raise TemplateRefused(
                f"'{name}' is not a variable of {template} (it has: {', '.join(entry.names)})",
                field=f"variables.{name}",
            )
    try:
        context = entry.context(body.variables)
    except ValueError as exc:
        raise TemplateRefused(
            f"a value the template cannot take: {exc}", field="variables"
        ) from exc
    if body.text is not None:
        check(key, body.text)
        text = body.text
    else:
        text = (await published(session)).text(key) or default_text(*key)
    rendered = _trial(text, key, context, field="variables", marketing=marketing)
    if channel == "email":
        return PreviewOut(
            subject=rendered.subject,
            text=rendered.body,
            encoding=None,
            units=None,
            segments=None,
            cost_fen=0,
            marketing=marketing,
        )
    received = sms.as_received(sign, rendered.body)
    length = sms.length(received)
    return PreviewOut(
        subject=None,
        text=received,
        encoding=length.encoding,
        units=length.units,
        segments=length.segments,
        cost_fen=length.segments * price_fen,
        marketing=marketing,
    )
