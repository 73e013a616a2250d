"""HTTP routes of templates: marketing staff read, edit, revert and preview the texts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.messaging.config import Settings
from services.messaging.templates import service
from services.messaging.templates.domain import Template, is_marketing
from services.messaging.templates.errors import (
    TemplateChanged,
    TemplateRefused,
    TemplateVersionNotFound,
)
from services.messaging.templates.schemas import (
    PreviewIn,
    PreviewOut,
    RevertIn,
    TemplateIn,
    TemplateKeysOut,
    TemplateOut,
)
from shared.auth import require_roles
from shared.dependencies import RequestSession as Session
from shared.events.customer import Locale
from shared.events.messaging import Channel
from shared.openapi import problem
from shared.pagination import PageSize, SeqCursor
from shared.preconditions import IfMatch, etag
from shared.tokens import Principal

router = APIRouter(prefix="/templates", tags=["templates"])

Marketing = Annotated[Principal, Depends(require_roles("marketing"))]
Reader = Annotated[Principal, Depends(require_roles("marketing", "service"))]
Key = Annotated[Template, Path(description="The template", examples=["points_earned"])]
OnChannel = Annotated[Channel, Path(description="`sms` or `email`", examples=["sms"])]
InLocale = Annotated[Locale, Path(description="`zh-CN` or `en`", examples=["zh-CN"])]

_ONE = "/{key}/{channel}/{locale}"
_REFUSED = problem(
    TemplateRefused("line 1: 'balanse' is not a variable of points_earned (it has: name, ...)"),
    description="The text is not a template of this key and channel (`template-refused`)",
)
_CHANGED = problem(
    TemplateChanged(
        "points_earned/sms/zh-CN is at version 4 now, not the one If-Match names: "
        "read it again and redo the edit"
    )
)
_ETAG = {
    "ETag": {
        "description": 'The published version\'s entity tag, e.g. `"3"` (`"0"`: the default)',
        "schema": {"type": "string"},
    }
}


def _tagged(template: TemplateOut, response: Response) -> TemplateOut:
    """The answer, with the published version's ``ETag`` for a later ``If-Match``."""
    response.headers["ETag"] = etag(template.version)
    return template


@router.get(
    "",
    response_model=TemplateKeysOut,
    summary="Every template, its variables and which version is published where",
    description=(
        "Staff (marketing, service). The templates are the code's (a fixed catalog, not "
        "paged); per channel and language, version 0 is the code's default text."
    ),
)
async def list_templates(session: Session, _: Reader) -> TemplateKeysOut:
    return await service.keys(session)


@router.get(
    _ONE,
    response_model=TemplateOut,
    summary="A template's published text, its default and its versions",
    description=(
        "Staff (marketing, service). Versions newest first, a page at a time. The `ETag` "
        "header names the published version, for `If-Match` on a later save."
    ),
    responses={200: {"headers": _ETAG}},
)
async def get_template(
    key: Key,
    channel: OnChannel,
    locale: InLocale,
    session: Session,
    _: Reader,
    response: Response,
    limit: Annotated[PageSize, Query(description="Versions per page (1 to 200)")] = 20,
    cursor: Annotated[
        SeqCursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> TemplateOut:
    return _tagged(await service.read(session, (key, channel, locale), limit, cursor), response)


@router.put(
    _ONE,
    response_model=TemplateOut,
    summary="Save and publish a new version of a template",
    description=(
        "Staff (marketing). The text is Jinja2 (sandboxed) using only the template's "
        "variables (`GET /templates` lists them) and the filters `points`, `yuan`, `day` and plain "
        "text ones; an SMS is one line (a marketing SMS gets the opt-out instruction when "
        "sent), an email starts with `Subject: ...`. It must render with the template's "
        "sample values. Anything else is `template-refused` (422) naming the variable, "
        "filter or tag and its line. The same text as the one published saves nothing (a "
        "retry is harmless); the default's own text returns to the default. With "
        "`If-Match` (the `ETag` a GET answered), the save happens only if that version is "
        "still the one published: else `template-version-mismatch` (412, with the current "
        "`ETag`), so two editors never silently overwrite each other; without it, the last "
        "save wins. The answer carries the new `ETag`."
    ),
    responses={
        200: {"headers": _ETAG},
        **_REFUSED,
        **_CHANGED,
    },
)
async def put_template(
    key: Key,
    channel: OnChannel,
    locale: InLocale,
    body: TemplateIn,
    session: Session,
    staff: Marketing,
    response: Response,
    if_match: IfMatch = None,
) -> TemplateOut:
    saved = await service.save(
        session, (key, channel, locale), body.text, staff.subject, if_match=if_match
    )
    return _tagged(saved, response)


@router.post(
    f"{_ONE}/revert",
    response_model=TemplateOut,
    summary="Publish the default or an earlier version again",
    description=(
        "Staff (marketing). `version` 0 returns to the code's default (and follows it in "
        "later releases); another version's text is published again as a new version. "
        "Nothing changes when that text is already the one published, so a retry is "
        "harmless. A version the template does not have is `template-version-not-found` "
        "(404). `If-Match` is checked as for a save (412 `template-version-mismatch`). The "
        "answer carries the new `ETag`."
    ),
    responses={
        200: {"headers": _ETAG},
        **problem(TemplateVersionNotFound("points_earned/sms/zh-CN has no version 7")),
        **_CHANGED,
    },
)
async def revert_template(
    key: Key,
    channel: OnChannel,
    locale: InLocale,
    body: RevertIn,
    session: Session,
    staff: Marketing,
    response: Response,
    if_match: IfMatch = None,
) -> TemplateOut:
    reverted = await service.revert(
        session, (key, channel, locale), body.version, staff.subject, if_match=if_match
    )
    return _tagged(reverted, response)


@router.post(
    f"{_ONE}/preview",
    response_model=PreviewOut,
    summary="Render a template as a member would receive it, with its SMS cost",
    description=(
        "Staff (marketing). Renders `text` (a draft; checked as a save is, nothing saved) "
        "or the published text, with the template's sample values and any `variables` "
        "given over them (dates as YYYY-MM-DD). An SMS is shown exactly as sent: the "
        "brand's 【signature】 first and, for a marketing template, the opt-out "
        "instruction last; its encoding (GSM-7 or UCS-2), length, parts (160/153 or "
        "70/67 per part) and cost (parts × the first SMS provider's price per segment, in "
        "fen). A variable the template is not given is `template-refused` (422) naming "
        "`variables.<name>`."
    ),
    responses=_REFUSED,
)
async def preview_template(
    key: Key,
    channel: OnChannel,
    locale: InLocale,
    body: PreviewIn,
    request: Request,
    session: Session,
    _: Marketing,
) -> PreviewOut:
    settings: Settings = request.app.state.settings
    return await service.preview(
        session,
        (key, channel, locale),
        body,
        marketing=is_marketing(key),
        sign=settings.sms_sign,
        price_fen=settings.sms_registry()[0].price_fen_per_segment,
    )
