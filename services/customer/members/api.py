"""HTTP routes of members: parse, authorize, call the use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from services.customer.config import Settings
from services.customer.fields import service as custom_fields
from services.customer.joining.errors import JoiningRuleUnmet, ReceiptUsed
from services.customer.members import service
from services.customer.members.errors import MemberErased, MemberNotFound, PhoneRegistered
from services.customer.members.schemas import (
    CardNumber,
    MemberCreate,
    MemberCreated,
    MemberOut,
    MemberPage,
)
from services.customer.members.service import PHONE_REGISTERED
from services.customer.search import domain as search_domain
from services.customer.search import service as search
from services.customer.search.errors import UnsearchableQuery
from services.customer.search.schemas import Initial, SearchText
from shared.audit.reads import AuditedRead, audited_read
from shared.auth import (
    MEMBER_ACCESS,
    STORE_ACCESS,
    current_principal,
    ensure_member_access,
    require_roles,
    store_filter,
)
from shared.contacts import MemberContact
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.inputs import Phone
from shared.openapi import problem
from shared.pagination import Cursor, PageSize
from shared.preconditions import etag
from shared.tokens import Principal

router = APIRouter(tags=["members"])
# one object, so FastAPI resolves it once for the route and its idempotency dependency
_registrar = require_roles("service", "marketing")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post(
    "/members",
    status_code=201,
    response_model=MemberCreated,
    summary="Register a member",
    description=(
        "Creates the member and its card number (cards are numbered in joining order) and "
        "publishes `customer.member.registered`. The phone number may be typed any usual "
        "way; it is stored in E.164. The `Idempotency-Key` header is optional: "
        "a retry with the same key returns the first successful answer (kept 24 hours); "
        "without one, a retry cannot register the member twice either, as the phone number "
        "is unique, but it gets 409 instead of the first answer. With `referral_code` (a "
        "member's code, typed any usual way) the new member is recorded as that member's "
        "friend and `customer.member.referred` is published too; loyalty rewards the "
        "referrer later. Under a joining policy that is not open "
        "(`GET /program/joining-policy`), `qualification` is what admits them, attested by "
        "the calling staff user: a purchase's receipt (one receipt admits one member: 409 "
        "`receipt-used`) or proof of being an earlier customer; missing or short of the "
        "policy is 422 `joining-rule-unmet`. With a card fee, `card_fee` is paid (exactly "
        "the fee) or waived: otherwise 422 `card-fee-unsettled`. Only staff register, so "
        "no member signs themself up past the joining rules."
    ),
    responses={
        **openapi_conflict(
            PhoneRegistered(PHONE_REGISTERED),
            ReceiptUsed("The receipt R-20261130-0042 was already used for a member"),
        ),
        **problem(
            JoiningRuleUnmet("A qualifying purchase is at least 50000 fen; this receipt is 100"),
            description=(
                "`joining-rule-unmet` names `qualification` (or `.kind`, `.amount_fen`); "
                "`card-fee-unsettled` names `card_fee` (or `.paid_fen`); "
                "`referral-code-unknown` (no member has the code) and `self-referral` (the "
                "code belongs to the member with this phone number) name `referral_code`."
            ),
        ),
    },
)
async def register_member(
    body: MemberCreate,
    request: Request,
    session: Session,
    cipher: Cipher,
    principal: Annotated[Principal, Depends(_registrar)],
    idempotent: Annotated[
        IdempotentPost, Depends(Idempotent(_registrar, required=False, example="signup-lilei"))
    ],
) -> JSONResponse:
    async def register() -> MemberCreated:
        member = await service.register_member(
            session, _settings(request), cipher, body, by=principal.subject
        )
        return MemberCreated(id=member.id, card_number=member.card_number)

    answer = await idempotent.run(body, register)
    return answer.response(location=f"/members/{answer.body['id']}")


@router.get(
    "/members/{member_id}",
    response_model=MemberOut,
    summary="Read a member's profile",
    description=(
        "Staff (service, marketing) or the member themself. The `ETag` header is the "
        "profile's version, for `If-Match` of `PATCH /members/{id}`. A restricted profile "
        "(加密客户) shows phone, email and address masked (`contact_masked`) to everyone "
        "but admin and service staff and the member. A staff read joins the caller's "
        "recently viewed members (`GET /staff/me/recent-members`). Staff also see the "
        "member's tags and category (with its path from the root); the member does not "
        "(a brand's classification is internal). A staff read in clear is recorded in "
        "the audit trail (`member.contact`, `GET /audit`)."
    ),
    responses={
        **MEMBER_ACCESS,
        **problem(MemberNotFound("No member with id 7d1c0a52-…")),
        **problem(MemberErased("Member 7d1c0a52-… was erased; nothing about them is kept")),
    },
)
async def get_member(
    member_id: uuid.UUID,
    cipher: Cipher,
    session: Session,
    principal: Annotated[Principal, Depends(current_principal)],
    response: Response,
    read: Annotated[AuditedRead, audited_read("member.contact")],
) -> MemberOut:
    ensure_member_access(principal, member_id, "service", "marketing")
    member = await service.get_member(session, member_id)
    await search.record_view(session, principal, member_id)
    response.headers["ETag"] = etag(member.version)
    profile = await service.profile(session, cipher, member, principal)
    read.in_clear = not profile.contact_masked
    return profile


@router.get(
    "/members/{member_id}/contact",
    response_model=MemberContact,
    summary="Read a member's contact data (services)",
    description=(
        "For the services that keep their own encrypted copy of a member's contact "
        "(messaging, loyalty), with a service token they sign themselves: events carry "
        "member ids only. Name, phone (E.164), email, birthday (ISO date), gender, locale "
        "and the profile's version, in clear, as they are now. Every read is recorded in "
        "the audit trail as an unmasked read (`member.contact`) by the calling service. "
        "An erased member is 410: the reader keeps nothing."
    ),
    responses={
        **problem(MemberNotFound("No member with id 7d1c0a52-…")),
        **problem(MemberErased("Member 7d1c0a52-… was erased; nothing about them is kept")),
    },
)
async def get_member_contact(
    member_id: uuid.UUID,
    cipher: Cipher,
    session: Session,
    _: Annotated[Principal, Depends(require_roles("service"))],
    read: Annotated[AuditedRead, audited_read("member.contact")],
) -> MemberContact:
    contact = await service.contact_of(session, cipher, member_id)
    read.member_id = member_id
    return contact


@router.get(
    "/members",
    response_model=MemberPage,
    summary="List, look up or search members",
    description=(
        "`q` searches: digits (a phone number typed any usual way, or a card number) find "
        "the member with that phone or card; one Latin letter finds the members whose "
        "surname's pinyin initial it is (`l`: 李雷, 刘洋, Li Lei; polyphonic surnames read "
        "as surnames: 单 is S, 曾 Z); anything else is a part of the name (prefix or "
        "contains, case-insensitive). `name` and `initial` say the same explicitly and may "
        "be combined. `tag` and `category` (a category includes the ones under it) keep "
        "the members in them, alone or with any of the above but `phone` and "
        "`card_number`. `field.<key>=<value>` keeps members whose searchable custom field "
        "`key` has the value (a text compared trimmed and case-insensitively, a choice's "
        "code, an integer, a date YYYY-MM-DD; for numbers and dates also a range `a..b`, "
        "`a..` or `..b`, ends included), up to 5 of them, combined with `q`, `name`, "
        "`initial`, `tag` and `category`; a retired, unknown or unsearchable field or a "
        "value of the wrong type is 422 `custom-field-filter-invalid` naming the parameter. "
        "With `phone` and/or `card_number`, finds the member who has both. "
        "Without any, lists members. Lists are in joining order, `limit` at a time; a "
        "phone or card gives one page. Phone and email are masked. `store_id` keeps the "
        "members registered at that store, with any of the above; a manager scoped to a "
        "store gets their store's members only (another store's `store_id`: 403)."
    ),
    responses={
        **STORE_ACCESS,
        **problem(
            UnsearchableQuery(
                "q is digits, but neither a mobile number nor a card number",
                field="q",
                where="query",
            ),
            description=(
                "`unsearchable-query` names `q`; `search-parameters-clash` names the "
                "parameter that cannot be combined with the others; "
                "`search-scope-not-found` names `tag` or `category` when it names none; "
                "`custom-field-filter-invalid` names the `field.<key>` parameter."
            ),
        ),
    },
)
async def list_members(
    request: Request,
    cipher: Cipher,
    session: Session,
    staff: Annotated[
        Principal, Depends(require_roles("service", "marketing", "analyst", "manager"))
    ],
    q: Annotated[
        SearchText | None, Query(description="Name part, initial, phone or card number")
    ] = None,
    name: Annotated[SearchText | None, Query(description="A part of the name")] = None,
    initial: Annotated[
        Initial | None, Query(description="The surname's pinyin initial", examples=["L"])
    ] = None,
    phone: Annotated[Phone | None, Query()] = None,
    card_number: Annotated[CardNumber | None, Query(examples=["8860000000017"])] = None,
    tag: Annotated[uuid.UUID | None, Query(description="Members with this tag")] = None,
    category: Annotated[
        uuid.UUID | None, Query(description="Members in this category or one under it")
    ] = None,
    store_id: Annotated[
        uuid.UUID | None, Query(description="Members registered at this store (orders' id)")
    ] = None,
    limit: Annotated[PageSize, Query(description="Members per page")] = 50,
    cursor: Annotated[
        Cursor | None, Query(description="`next_cursor` of the previous page")
    ] = None,
) -> MemberPage:
    store = store_filter(staff, store_id)
    lookup = phone is not None or card_number is not None
    fields = await custom_fields.filters(session, cipher, request.query_params.multi_items())
    search_domain.ensure_combinable(
        q=q, name=name, initial=initial, lookup=lookup, filters=[f"field.{f.key}" for f in fields]
    )
    scope = search_domain.Scope(tag_id=tag, category_id=category, store_id=store)
    if lookup:
        search_domain.ensure_unscoped(tag=tag, category=category)
        found = await service.find_members(session, cipher, phone=phone, card_number=card_number)
        kept = [m for m in found if store is None or m.store_id == store]
        return MemberPage(items=[service.to_list_item(cipher, m) for m in kept])
    if (
        q is None
        and name is None
        and initial is None
        and scope == search_domain.ANYONE
        and not fields
    ):
        return await service.list_members(session, cipher, limit, cursor)
    return await search.search(
        session,
        cipher,
        query=search_domain.parse_q(q) if q is not None else None,
        name_part=search_domain.name_key(name) if name is not None else None,
        initial=initial.upper() if initial is not None else None,
        limit=limit,
        after=cursor,
        scope=scope,
        fields=fields,
    )
