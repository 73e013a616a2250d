"""Use cases of journeys: schedule a member's runs from what happened (a birthday on
file, a coupon granted; purchases and their voids are :mod:`.sales`'), run the runs that
fell due, and the staff's settings and views. Scheduling flushes, never commits (the
consumer owns the transaction); :func:`run_due` and :func:`greet_holidays` commit a batch
at a time (see :mod:`.jobs`)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from services.messaging.contacts import service as contacts
from services.messaging.contacts.errors import ContactNotKnown
from services.messaging.journeys import domain, repository
from services.messaging.journeys.domain import Journey, JourneySettings, RunState
from services.messaging.journeys.errors import JourneyRunDone, JourneyRunNotFound
from services.messaging.journeys.models import JourneyRun, JourneySettingsRow
from services.messaging.journeys.schemas import (
    BirthdayBody,
    EventDrivenJourney,
    HolidayBody,
    JourneyRunOut,
    JourneyRunPage,
    JourneySettingsIn,
    JourneySettingsOut,
    WelcomeBody,
    WinBackBody,
)
from services.messaging.notifications import service as notifications
from services.messaging.notifications.domain import last_day
from services.messaging.templates.domain import Template
from shared.crypto import PiiCipher
from shared.db import AsyncSession, Sessions, transaction
from shared.events.coupons import CouponGranted
from shared.inputs import input_defaults
from shared.pagination import PageKey, encode_cursor

log = logging.getLogger(__name__)

TEMPLATE_OF: dict[Journey, Template] = {
    "first_purchase_welcome": "first_purchase_welcome",
    "birthday": "birthday_greeting",
    "holiday": "holiday_greeting",
    "win_back": "win_back",
}


def _brand_zone() -> ZoneInfo:
    return input_defaults().business_timezone


def zone_named(name: str | None) -> tzinfo:
    """A member's timezone by its name on their contact; ``None``: the brand's."""
    return ZoneInfo(name) if name is not None else _brand_zone()


def _settings(row: JourneySettingsRow | None) -> JourneySettings:
    if row is None:
        return domain.DEFAULT
    enabled: set[Journey] = set()
    for journey, on in (
        ("first_purchase_welcome", row.welcome_enabled),
        ("birthday", row.birthday_enabled),
        ("holiday", row.holiday_enabled),
        ("win_back", row.win_back_enabled),
    ):
        if on:
            enabled.add(journey)  # type: ignore[arg-type]
    return JourneySettings(
        enabled=frozenset(enabled),
        send_at=row.send_at,
        welcome_after_days=row.welcome_after_days,
        welcome_until_days=row.welcome_until_days,
        holidays=tuple(row.holidays),
        win_back_days=row.win_back_days,
        win_back_expires_days=row.win_back_expires_days,
        version=row.version,
    )


_SESSION_KEY = "messaging.journeys"


async def current(session: AsyncSession) -> JourneySettings:
    """The brand's journey settings (:data:`domain.DEFAULT` until staff set them), as this
    session first read them."""
    cached = session.info.get(_SESSION_KEY)
    if isinstance(cached, JourneySettings):
        return cached
    settings = session.info[_SESSION_KEY] = _settings(await repository.settings(session))
    return settings


async def get_settings(session: AsyncSession) -> JourneySettingsOut:
    row = await repository.settings(session)
    s = _settings(row)
    return JourneySettingsOut(
        send_at=s.send_at,
        first_purchase_welcome=WelcomeBody(
            enabled="first_purchase_welcome" in s.enabled,
            after_days=s.welcome_after_days,
            until_days=s.welcome_until_days,
        ),
        birthday=BirthdayBody(enabled="birthday" in s.enabled),
        holiday=HolidayBody.model_validate(
            {"enabled": "holiday" in s.enabled, "holidays": list(s.holidays)}
        ),
        win_back=WinBackBody(
            enabled="win_back" in s.enabled,
            after_days=s.win_back_days,
            expires_days=s.win_back_expires_days,
        ),
        event_driven=[EventDrivenJourney(template=t, trigger=w) for t, w in domain.EVENT_DRIVEN],
        version=s.version,
        updated_at=row.updated_at if row else None,
        updated_by=row.updated_by if row else None,
    )


async def set_settings(
    session: AsyncSession, body: JourneySettingsIn, *, by: str
) -> JourneySettingsOut:
    """Sets the journeys' settings for runs scheduled from now on (a run scheduled keeps
    its times; a journey turned off skips its runs as they fall due); the same settings
    again change nothing (same version)."""
    values: dict[str, Any] = {
        "send_at": body.send_at,
        "welcome_enabled": body.first_purchase_welcome.enabled,
        "welcome_after_days": body.first_purchase_welcome.after_days,
        "welcome_until_days": body.first_purchase_welcome.until_days,
        "birthday_enabled": body.birthday.enabled,
        "holiday_enabled": body.holiday.enabled,
        "holidays": list(body.holiday.holidays),
        "win_back_enabled": body.win_back.enabled,
        "win_back_days": body.win_back.after_days,
        "win_back_expires_days": body.win_back.expires_days,
    }
    row = await repository.settings(session)
    if row is None or any(getattr(row, name) != value for name, value in values.items()):
        await repository.set_settings(
            session, values | {"updated_at": datetime.now(UTC), "updated_by": by}
        )
    session.info.pop(_SESSION_KEY, None)
    return await get_settings(session)


async def no_welcome(session: AsyncSession, member_id: uuid.UUID) -> None:
    """An existing customer (a member import brought them in) gets no welcome after the
    first purchase messaging sees: it is not their first. Their welcome run is recorded
    ``skipped`` at once; the migration that brought journeys did so for every contact."""
    await repository.add_done(
        session,
        "first_purchase_welcome",
        member_id,
        domain.WELCOME_OCCURRENCE,
        domain.EXISTING_CUSTOMER,
    )


async def schedule_birthday(session: AsyncSession, member_id: uuid.UUID, now: datetime) -> None:
    """(Re)schedules the member's birthday greeting from the birthday on their contact:
    the pending run is dropped and the next birthday (today included, in their timezone)
    gets one, or the one after when this year's greeting has run already. No birthday on
    file, or an inactive member: none."""
    await repository.drop_pending(session, "birthday", member_id, due_before=None)
    calendar = await contacts.calendar_of(session, member_id)
    if calendar is None or not calendar.active:
        return
    month, day = calendar.birth_month, calendar.birth_day
    if month is None or day is None:
        return
    settings, zone = await current(session), zone_named(calendar.time_zone)
    first = domain.next_birthday(month, day, now, zone)
    for birthday in (first, domain.birthday_in(first.year + 1, month, day)):
        window = domain.day_window(birthday, zone, settings)
        if await repository.add(session, "birthday", member_id, str(birthday.year), window):
            return


async def follow_coupon(session: AsyncSession, cipher: PiiCipher, granted: CouponGranted) -> None:
    """A coupon granted (``loyalty.coupon.granted``). A birthday coupon (``occasion``
    ``birthday``; loyalty grants it at the start of the brand's day of the birthday, hours
    before the greeting's send time) is remembered on the member's pending greeting of that
    birthday, which names it. A referral's reward and a draw's prize have notices of their
    own (``referral_rewarded``, ``draw_won``) and add nothing here. Any other coupon, or a
    birthday coupon whose greeting has run already (or was never scheduled), is told at
    once in a transactional ``coupon_granted`` notice. Raises :class:`ContactNotKnown` for
    that notice while the member is unknown."""
    if granted.occasion in ("referral", "draw"):
        return
    zone = _brand_zone()
    valid_until = last_day(granted.valid_until, zone)
    coupon: dict[str, Any] = {
        "name": granted.definition_name,
        "face_value_fen": granted.face_value_fen,
        "valid_until": valid_until.isoformat(),
        "coupon_id": str(granted.coupon_id),
    }
    if granted.occasion == "birthday" and await repository.remember(
        session,
        "birthday",
        granted.member_id,
        domain.birthday_year(granted.granted_at, zone),
        {"coupon": coupon},
    ):
        return
    await notifications.notify_member(
        session,
        cipher,
        member_id=granted.member_id,
        template="coupon_granted",
        trigger_event_id=f"coupon:{granted.coupon_id}",
        context={
            "coupon_name": coupon["name"],
            "face_value_fen": granted.face_value_fen,
            "valid_until": valid_until,
        },
    )


async def _context(
    session: AsyncSession, run: JourneyRun, settings: JourneySettings
) -> dict[str, Any]:
    """What the run's template is given besides the member's name: a holiday's name in
    the member's language, the birthday coupon (or none), the win-back's days."""
    if run.journey == "birthday":
        coupon = run.context.get("coupon")
        if not coupon:
            return {"coupon": None}
        return {"coupon": coupon | {"valid_until": date.fromisoformat(coupon["valid_until"])}}
    if run.journey == "holiday":
        calendar = await contacts.calendar_of(session, run.member_id)
        holiday = domain.HOLIDAY_BY_KEY[run.context["holiday"]]
        return {"holiday": holiday.called(calendar.locale if calendar else "zh-CN")}
    if run.journey == "win_back":
        return {"days": settings.win_back_days}
    return {}


async def _run(
    session: AsyncSession,
    cipher: PiiCipher,
    run: JourneyRun,
    settings: JourneySettings,
    now: datetime,
) -> str:
    """Runs one claimed run: expired, skipped (its journey off, the member unknown) or
    notified (:func:`notifications.service.notify_member`, trigger :func:`domain.trigger_id`),
    recorded as done; a birthday's next one is scheduled. Its outcome."""
    journey: Journey = run.journey  # type: ignore[assignment]
    outcome, reason = "notified", None
    if run.expires_at <= now:
        outcome, reason = "expired", "not run before it expired"
    elif journey not in settings.enabled:
        outcome, reason = "skipped", domain.JOURNEY_OFF
    else:
        try:
            await notifications.notify_member(
                session,
                cipher,
                member_id=run.member_id,
                template=TEMPLATE_OF[journey],
                trigger_event_id=domain.trigger_id(run.id),
                context=await _context(session, run, settings),
            )
        except ContactNotKnown:
            outcome, reason = "skipped", domain.NO_CONTACT
    await repository.finish(session, run.id, now, outcome, reason)
    if journey == "birthday":
        await schedule_birthday(session, run.member_id, now)
    return outcome


async def run_due(
    sessions: Sessions, cipher: PiiCipher, batch: int, now: datetime | None = None
) -> int:
    """Runs every run due at ``now`` (default: the clock), a batch per transaction: each
    run's notifications and its ``done_at`` commit together, so a crash before the commit
    runs it again (nothing of it was kept) and after it never again. Returns how many."""
    done = 0
    while True:
        at = now or datetime.now(UTC)
        async with transaction(sessions) as session:
            runs = await repository.claim_due(session, at, batch)
            settings = await current(session)
            for run in runs:
                await _run(session, cipher, run, settings, at)
        done += len(runs)
        if len(runs) < batch:
            return done


async def greet_holidays(sessions: Sessions, now: datetime) -> int:
    """On the brand's day of ``now`` that begins one of the holidays greeted
    (:func:`domain.holidays_beginning`), schedules a greeting for every active member with
    marketing consent on a consented channel, in one statement per holiday (occurrence
    ``<date> <key>``: a re-run adds nothing), due at the send time of that day on each
    member's clocks. Returns how many runs were new."""
    zone = _brand_zone()
    day = now.astimezone(zone).date()
    added = 0
    async with transaction(sessions) as session:
        settings = await current(session)
        if "holiday" not in settings.enabled:
            return 0
        for holiday in domain.holidays_beginning(day):
            if holiday.key not in settings.holidays:
                continue
            added += await repository.add_for_all(
                session,
                "holiday",
                domain.holiday_occurrence(day, holiday),
                contacts.marketable(),
                day=day,
                send_at=settings.send_at,
                brand_zone=zone.key,
                context={"holiday": holiday.key},
            )
    return added


def _out(run: JourneyRun) -> JourneyRunOut:
    state: RunState = "scheduled" if run.outcome is None else run.outcome  # type: ignore[assignment]
    return JourneyRunOut.model_validate(
        {**run.model_dump(), "state": state, "context": run.context}
    )


async def runs_page(
    session: AsyncSession,
    *,
    journey: Journey | None,
    member_id: uuid.UUID | None,
    state: RunState | None,
    limit: int,
    after: PageKey | None,
) -> JourneyRunPage:
    """Up to ``limit`` runs, the latest scheduled first."""
    rows = await repository.page(
        session, journey=journey, member_id=member_id, state=state, limit=limit + 1, after=after
    )
    last = rows[limit - 1] if len(rows) > limit else None
    return JourneyRunPage(
        items=[_out(r) for r in rows[:limit]],
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


async def make_due(session: AsyncSession, run_id: uuid.UUID) -> JourneyRunOut:
    """Makes a scheduled run due now (staff trying a journey out, or sending a greeting
    early); the worker runs it at its next poll. Raises :class:`JourneyRunNotFound` (404)
    and :class:`JourneyRunDone` (409)."""
    run = await repository.run(session, run_id, lock=True)
    if run is None:
        raise JourneyRunNotFound(f"No journey run {run_id}", field="run_id", where="path")
    if run.done_at is not None:
        raise JourneyRunDone(
            f"Journey run {run_id} is {run.outcome} already", field="run_id", where="path"
        )
    now = datetime.now(UTC)
    await repository.make_due(session, run_id, now)
    run.due_at = now
    return _out(run)
