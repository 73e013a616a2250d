"""Use cases of joining. They flush, never commit: the caller owns the transaction.

Registration (``POST /members``) calls :func:`admit` before it writes the member and
:func:`record` after; the import of existing customers calls neither (they joined before).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from services.customer.joining import domain, repository
from services.customer.joining.domain import Policy
from services.customer.joining.errors import CardFeeUnsettled, JoiningRuleUnmet, ReceiptUsed
from services.customer.joining.models import CardFee, MemberQualification
from services.customer.joining.schemas import (
    MAX_REPORT_DAYS,
    CardFeeDay,
    CardFeeIn,
    CardFeeReport,
    JoiningPolicyIn,
    JoiningPolicyOut,
    PurchaseQualification,
    Qualification,
    QualificationOut,
)
from shared.crypto import PiiCipher
from shared.db import AsyncSession
from shared.errors import InvalidRequest


@dataclass(frozen=True)
class Admitted:
    """A registration that meets ``policy``: what :func:`record` keeps with the member."""

    policy: Policy
    qualification: Qualification | None
    card_fee: CardFeeIn | None

    @property
    def card_fee_fen(self) -> int | None:
        """Fen paid for the card, 0 when waived; ``None`` when the policy charges none."""
        if self.card_fee is None:
            return None
        return self.card_fee.paid_fen or 0


async def current_policy(session: AsyncSession) -> Policy:
    """The brand's joining policy (:data:`domain.OPEN` until an admin sets one)."""
    row = await repository.policy(session)
    if row is None:
        return domain.OPEN
    admits = tuple(a for a in domain.ADMISSIONS if a in row.admits)
    return Policy(admits, row.min_purchase_fen, row.card_fee_fen, row.version)


async def get_policy(session: AsyncSession) -> JoiningPolicyOut:
    row = await repository.policy(session)
    policy = await current_policy(session)
    return JoiningPolicyOut(
        admits=list(policy.admits),
        min_purchase_fen=policy.min_purchase_fen,
        card_fee_fen=policy.card_fee_fen,
        version=policy.version,
        updated_at=row.updated_at if row else None,
        updated_by=row.updated_by if row else None,
    )


async def set_policy(session: AsyncSession, body: JoiningPolicyIn, *, by: str) -> JoiningPolicyOut:
    """Sets the joining rules and card fee for registrations from now on; the same policy
    again changes nothing (same version)."""
    now = await current_policy(session)
    admits = tuple(a for a in domain.ADMISSIONS if a in body.admits)
    wanted = Policy(admits, body.min_purchase_fen, body.card_fee_fen, now.version)
    if wanted != now or now.version == 0:
        values = {
            "admits": list(admits),
            "min_purchase_fen": body.min_purchase_fen,
            "card_fee_fen": body.card_fee_fen,
            "updated_at": datetime.now(UTC),
            "updated_by": by,
        }
        await repository.set_policy(session, values)
    return await get_policy(session)


async def admit(
    session: AsyncSession, qualification: Qualification | None, card_fee: CardFeeIn | None
) -> Admitted:
    """Checks a registration against the joining policy before anything is written.

    Raises :class:`JoiningRuleUnmet` (422, ``qualification`` or
    ``qualification.kind``/``.amount_fen``), :class:`CardFeeUnsettled` (422, ``card_fee``
    or ``card_fee.paid_fen``) and :class:`ReceiptUsed` (409, ``qualification.receipt_no``
    or ``card_fee.receipt_no``) for a receipt that already admitted or paid for a member.
    """
    policy = await current_policy(session)
    amount = qualification.amount_fen if isinstance(qualification, PurchaseQualification) else None
    kind = qualification.kind if qualification is not None else None
    if unmet := domain.qualification_shortfall(policy, kind, amount):
        raise JoiningRuleUnmet(unmet.reason, field=unmet.field)
    paid = card_fee.paid_fen if card_fee is not None else None
    waived = card_fee is not None and card_fee.waived is not None
    if unsettled := domain.card_fee_shortfall(policy, paid, waived):
        raise CardFeeUnsettled(unsettled.reason, field=unsettled.field)
    if isinstance(qualification, PurchaseQualification) and await repository.receipt_qualified(
        session, qualification.receipt_no
    ):
        raise _used("qualification.receipt_no", qualification.receipt_no)
    fee_receipt = card_fee.receipt_no if card_fee is not None else None
    if fee_receipt is not None and await repository.fee_receipt_used(session, fee_receipt):
        raise _used("card_fee.receipt_no", fee_receipt)
    return Admitted(policy, qualification, card_fee)


def _used(field: str, receipt_no: str) -> ReceiptUsed:
    return ReceiptUsed(f"The receipt {receipt_no} was already used for a member", field=field)


async def record(
    session: AsyncSession, cipher: PiiCipher, member_id: uuid.UUID, admitted: Admitted, *, by: str
) -> None:
    """Keeps the qualification and card fee of the new member ``member_id``, attested by
    the staff user ``by``. Raises :class:`ReceiptUsed` (409) if a concurrent registration
    took the receipt first."""
    version = admitted.policy.version
    rows: list[MemberQualification | CardFee] = []
    if (q := admitted.qualification) is not None:
        row = MemberQualification(
            member_id=member_id, kind=q.kind, policy_version=version, attested_by=by
        )
        if isinstance(q, PurchaseQualification):
            row.receipt_no, row.amount_fen = q.receipt_no, q.amount_fen
        else:
            row.proof_kind = q.proof
            row.note_encrypted = cipher.encrypt(q.note) if q.note else None
        rows.append(row)
    if (fee := admitted.card_fee) is not None:
        rows.append(
            CardFee(
                member_id=member_id,
                fee_fen=admitted.policy.card_fee_fen,
                paid_fen=fee.paid_fen or 0,
                tender=fee.tender,
                receipt_no=fee.receipt_no,
                waived_reason=fee.waived,
                policy_version=version,
                recorded_by=by,
            )
        )
    try:
        async with session.begin_nested():
            session.add_all(rows)
    except IntegrityError as exc:  # a concurrent registration named the same receipt
        on_fee = "card_fees" in str(exc.orig)
        raise ReceiptUsed(
            "A receipt of this registration was just used for another member",
            field="card_fee.receipt_no" if on_fee else "qualification.receipt_no",
        ) from exc


async def qualification_of(session: AsyncSession, member_id: uuid.UUID) -> QualificationOut | None:
    """How the member qualified, if a qualification was recorded at registration."""
    row = await repository.qualification(session, member_id)
    if row is None:
        return None
    return QualificationOut(
        kind=row.kind,
        receipt_no=row.receipt_no,
        amount_fen=row.amount_fen,
        proof=row.proof_kind,
        policy_version=row.policy_version,
        attested_by=row.attested_by,
        recorded_at=row.recorded_at,
    )


async def card_fee_report(
    session: AsyncSession, first: date, last: date, timezone: ZoneInfo
) -> CardFeeReport:
    """Card fees paid (count, fen) and waived per day from ``first`` to ``last``
    (inclusive, days of ``timezone``). Raises :class:`InvalidRequest` (422, ``to``) when
    ``to`` is before ``from`` or more than :data:`MAX_REPORT_DAYS` after it."""
    if last < first or (last - first).days >= MAX_REPORT_DAYS:
        raise InvalidRequest(
            f"to must be from or up to {MAX_REPORT_DAYS - 1} days after it",
            field="to",
            where="query",
        )
    start = datetime.combine(first, time(), timezone)
    end = datetime.combine(last + timedelta(days=1), time(), timezone)
    rows = await repository.fees_per_day(session, start, end, timezone.key)
    days = [CardFeeDay(day=d, paid=p, paid_fen=f, waived=w) for d, p, f, w in rows]
    return CardFeeReport(
        timezone=timezone.key,
        days=days,
        paid=sum(d.paid for d in days),
        paid_fen=sum(d.paid_fen for d in days),
        waived=sum(d.waived for d in days),
    )
