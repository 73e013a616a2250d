"""HTTP routes of the profile lifecycle: parse, authorize, call the use case, answer.

Each answers the profile as the caller may see it, with its new ``ETag``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from services.customer.config import Settings
from services.customer.history.domain import actor_of
from services.customer.members import service as members
from services.customer.members.errors import MemberErased, MemberNotFound, PhoneRegistered
from services.customer.members.schemas import MemberOut
from services.customer.members.service import PHONE_REGISTERED
from services.customer.profiles import service
from services.customer.profiles.errors import (
    FieldForStaff,
    MemberInactive,
    MemberLocked,
    PreconditionRequired,
    VersionMismatch,
)
from services.customer.profiles.schemas import CardReissued, ConsentIn, MemberPatch, NoBody
from shared.auth import MEMBER_ACCESS, current_principal, ensure_member_access, require_roles
from shared.dependencies import Cipher
from shared.dependencies import RequestSession as Session
from shared.idempotency import Idempotent, IdempotentPost, openapi_conflict
from shared.openapi import problem
from shared.preconditions import IfMatch, etag
from shared.tokens import Principal

router = APIRouter(tags=["profiles"])
_desk = require_roles("service")
Desk = Annotated[Principal, Depends(_desk)]
Caller = Annotated[Principal, Depends(current_principal)]

_NOT_FOUND = {
    **problem(MemberNotFound("No member with id 7d1c0a52-…")),
    **problem(MemberErased("Member 7d1c0a52-… was erased; nothing about them is kept")),
}
_INACTIVE = MemberInactive("Member 7d1c0a52-… was deactivated; their profile no longer changes")
_LOCKED = MemberLocked("Member 7d1c0a52-… is locked (加锁): unlock the profile first")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _answer(profile: MemberOut, response: Response) -> MemberOut:
    response.headers["ETag"] = etag(profile.version)
    return profile


@router.patch(
    "/members/{member_id}",
    response_model=MemberOut,
    summary="Change a member's profile",
    description=(
        "A JSON merge patch (`application/merge-patch+json` or `application/json`): fields "
        "left out stay, `null` removes one. `If-Match` must carry the `ETag` of the "
        "profile the edit was made from: 428 without it, 412 (with the current `ETag`) if "
        "the profile changed since; a retry of an edit that went through gets 412 too, "
        "so it never applies twice. Staff (service) change every field; the member "
        "themself name, phone, email, gender, address, occupation and locale (birthday, "
        "store and restriction stay with staff: 403 `field-for-staff`). Inputs are checked "
        "as at registration; a phone another member has is 409. Publishes "
        "`customer.member.updated` naming the changed fields (none changed: no event, same "
        "version)."
    ),
    responses={
        **MEMBER_ACCESS,
        **_NOT_FOUND,
        **problem(
            FieldForStaff("Only staff may change birthday"),
            description="A member token for another member, staff without the service role, "
            "or (`field-for-staff`) a member changing a field only staff may change",
        ),
        **problem(
            PhoneRegistered(PHONE_REGISTERED),
            description="`phone-registered`: another member has the phone; "
            "`member-inactive`: the member was deactivated",
        ),
        **problem(VersionMismatch("The profile is at version 4 now, not the one If-Match names")),
        **problem(PreconditionRequired("A profile edit needs If-Match with the ETag …")),
    },
)
async def update_member(
    member_id: uuid.UUID,
    body: MemberPatch,
    session: Session,
    cipher: Cipher,
    principal: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> MemberOut:
    ensure_member_access(principal, member_id, "service")
    member = await service.update_profile(
        session,
        cipher,
        member_id,
        body,
        if_match=if_match,
        by=actor_of(principal),
    )
    return _answer(await members.profile(session, cipher, member, principal), response)


@router.put(
    "/members/{member_id}/consent",
    response_model=MemberOut,
    summary="Set a member's consent per channel",
    description=(
        "Staff (service) or the member themself; both channels are given. Publishes "
        "`customer.member.consent_changed` when it changes; messaging then sends nothing "
        "more on a channel without consent and cancels what it had queued there. Setting "
        "the same consent again changes nothing."
    ),
    responses={**MEMBER_ACCESS, **_NOT_FOUND, **problem(_INACTIVE)},
)
async def set_consent(
    member_id: uuid.UUID,
    body: ConsentIn,
    request: Request,
    session: Session,
    cipher: Cipher,
    principal: Caller,
    response: Response,
) -> MemberOut:
    ensure_member_access(principal, member_id, "service")
    version = _settings(request).privacy_policy_version
    member = await service.set_consent(
        session, member_id, body, by=actor_of(principal), privacy_policy_version=version
    )
    return _answer(await members.profile(session, cipher, member, principal), response)


@router.post(
    "/members/{member_id}/card/reissue",
    status_code=201,
    response_model=CardReissued,
    summary="Reissue a lost card (挂失补卡)",
    description=(
        "Staff (service). The member gets a new card number; the lost card's number finds "
        "nobody from now on, and is never given again. Publishes "
        "`customer.member.card_reissued`. `Idempotency-Key` is required: a retry gets the "
        "first answer instead of a third card."
    ),
    responses={
        **_NOT_FOUND,
        **openapi_conflict(_INACTIVE),
    },
)
async def reissue_card(
    member_id: uuid.UUID,
    request: Request,
    session: Session,
    principal: Desk,
    idempotent: Annotated[IdempotentPost, Depends(Idempotent(_desk, example="lost-card-0042"))],
) -> JSONResponse:
    settings = _settings(request)

    async def reissue() -> CardReissued:
        by = actor_of(principal)
        member, previous = await service.reissue_card(session, settings, member_id, by=by)
        return CardReissued(
            member_id=member.id, card_number=member.card_number, previous_card_number=previous
        )

    answer = await idempotent.run(NoBody(), reissue, path={"member_id": str(member_id)})
    return answer.response()


@router.post(
    "/members/{member_id}/lock",
    response_model=MemberOut,
    summary="Lock a profile (加锁)",
    description=(
        "Staff (service). A locked profile cannot be erased, merged or deactivated until "
        "it is unlocked; it can still be edited. Locking a locked profile changes nothing."
    ),
    responses=_NOT_FOUND,
)
async def lock_member(
    member_id: uuid.UUID, session: Session, cipher: Cipher, principal: Desk, response: Response
) -> MemberOut:
    member = await service.set_locked(session, member_id, True, by=actor_of(principal))
    return _answer(await members.profile(session, cipher, member, principal), response)


@router.post(
    "/members/{member_id}/unlock",
    response_model=MemberOut,
    summary="Unlock a profile",
    description="Staff (service). Unlocking an unlocked profile changes nothing.",
    responses=_NOT_FOUND,
)
async def unlock_member(
    member_id: uuid.UUID, session: Session, cipher: Cipher, principal: Desk, response: Response
) -> MemberOut:
    member = await service.set_locked(session, member_id, False, by=actor_of(principal))
    return _answer(await members.profile(session, cipher, member, principal), response)


@router.post(
    "/members/{member_id}/deactivate",
    response_model=MemberOut,
    summary="Deactivate a member",
    description=(
        "Staff (service). The member becomes `inactive` and `customer.member.deactivated` "
        "is published: messaging sends them nothing more (and cancels what it had queued). "
        "The profile, consent and card no longer change. A locked profile is refused "
        "(409 `member-locked`); an inactive one stays as it is."
    ),
    responses={**_NOT_FOUND, **problem(_LOCKED)},
)
async def deactivate_member(
    member_id: uuid.UUID, session: Session, cipher: Cipher, principal: Desk, response: Response
) -> MemberOut:
    member = await service.deactivate(session, member_id, by=actor_of(principal))
    return _answer(await members.profile(session, cipher, member, principal), response)


@router.post(
    "/members/{member_id}/reactivate",
    response_model=MemberOut,
    summary="Reactivate a deactivated member",
    description=(
        "Staff (service). The member becomes `active` again and "
        "`customer.member.reactivated` is published: tills name them by card, phone and id "
        "again, and messaging reaches them as their consent allows (what was cancelled "
        "while they were inactive stays cancelled). An active member stays as they are."
    ),
    responses=_NOT_FOUND,
)
async def reactivate_member(
    member_id: uuid.UUID, session: Session, cipher: Cipher, principal: Desk, response: Response
) -> MemberOut:
    member = await service.reactivate(session, member_id, by=actor_of(principal))
    return _answer(await members.profile(session, cipher, member, principal), response)
