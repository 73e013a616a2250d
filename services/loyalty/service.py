"""Use cases of the loyalty service. They flush, never commit: the caller owns the transaction.

Every change of a member's points locks the account row first, appends one ledger entry
and writes the new balance in the same transaction, so the cached balance always equals
the sum of the ledger. Point changes also hold the program row ``FOR SHARE`` so a ladder
replacement never runs half-way through one of them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from services.loyalty import domain, repository
from services.loyalty.domain import Rung
from services.loyalty.models import Account, EarningRule, LedgerEntry, outbox
from services.loyalty.schemas import (
    EarningRuleIn,
    EarningRuleOut,
    Ladder,
    LadderReplaced,
    LedgerEntryOut,
    LedgerPage,
    LoyaltyOut,
    NextTier,
    RedemptionIn,
    RedemptionOut,
    TierIn,
    TierOut,
    TierRef,
)
from shared.db import AsyncSession
from shared.errors import NotFound, Unprocessable
from shared.events import CloudEvent, EventPayload
from shared.events.customer import MemberRegistered
from shared.events.loyalty import PointsEarned, PointsRedeemed, PointsReversed, TierChanged
from shared.events.orders import PurchaseCompleted, PurchaseReturned

SOURCE = "/huiyuan/loyalty"

log = logging.getLogger(__name__)


async def _emit(session: AsyncSession, member_id: uuid.UUID, *payloads: EventPayload) -> None:
    await outbox.add(
        session, *(CloudEvent.of(p, source=SOURCE, subject=member_id) for p in payloads)
    )


def _tier_changed(
    member_id: uuid.UUID, from_tier: str, to: Rung, direction: domain.Direction, spend_fen: int
) -> TierChanged:
    return TierChanged(
        member_id=member_id,
        from_tier=from_tier,
        to_tier=to.code,
        to_tier_name=to.name,
        direction=direction,
        qualifying_spend_fen=spend_fen,
    )


async def _ladder(session: AsyncSession) -> list[Rung]:
    return [Rung(t.code, t.name, t.threshold_fen) for t in await repository.ladder(session)]


async def _program(session: AsyncSession) -> tuple[EarningRule, list[Rung]]:
    """The earning rule and ladder, held ``FOR SHARE`` until the transaction ends."""
    rule = await repository.earning_rule(session, lock="share")
    return rule, await _ladder(session)


# --- program configuration ---------------------------------------------------------------


async def get_ladder(session: AsyncSession) -> Ladder:
    tiers = await repository.ladder(session)
    return Ladder(tiers=[TierOut.model_validate(tier) for tier in tiers])


async def replace_ladder(session: AsyncSession, tiers: Sequence[TierIn]) -> LadderReplaced:
    """Replaces the ladder; accounts on a tier that is gone are placed on the new ladder by
    their qualifying spend, and multipliers of removed tiers are dropped."""
    rungs = [Rung(t.code, t.name, t.threshold_fen) for t in tiers]
    domain.check_ladder(rungs)
    rule = await repository.earning_rule(session, lock="update")
    previous = {rung.code: rung for rung in await _ladder(session)}
    await repository.replace_tiers(session, [tier.model_dump() for tier in tiers])
    codes = [rung.code for rung in rungs]
    multipliers = {c: p for c, p in rule.tier_multipliers_percent.items() if c in codes}
    if multipliers != rule.tier_multipliers_percent:
        await repository.save_earning_rule(session, rule.points_per_yuan, multipliers)
    stranded = await repository.accounts_off_ladder(session, codes)
    moves: list[tuple[uuid.UUID, str]] = []
    changes: list[TierChanged] = []
    for account in stranded:
        to = domain.tier_for_spend(rungs, account.qualifying_spend_fen)
        old = previous.get(account.tier_code)
        direction = domain.direction(old.threshold_fen if old else -1, to.threshold_fen)
        moves.append((account.member_id, to.code))
        changes.append(
            _tier_changed(
                account.member_id, account.tier_code, to, direction, account.qualifying_spend_fen
            )
        )
    await repository.move_tiers(session, moves)
    await outbox.add(
        session, *(CloudEvent.of(c, source=SOURCE, subject=c.member_id) for c in changes)
    )
    return LadderReplaced(
        tiers=[TierOut(**tier.model_dump()) for tier in tiers], accounts_moved=len(moves)
    )


async def get_earning_rule(session: AsyncSession) -> EarningRuleOut:
    rule = await repository.earning_rule(session)
    return EarningRuleOut(
        points_per_yuan=rule.points_per_yuan,
        tier_multipliers_percent=rule.tier_multipliers_percent,
        updated_at=rule.updated_at,
    )


async def set_earning_rule(session: AsyncSession, data: EarningRuleIn) -> EarningRuleOut:
    await repository.earning_rule(session, lock="update")
    ladder = await _ladder(session)
    unknown = domain.unknown_tiers(data.tier_multipliers_percent, ladder)
    if unknown:
        raise Unprocessable(
            f"tier_multipliers_percent names {', '.join(map(repr, unknown))}, an unknown tier "
            f"in the ladder (tiers: {', '.join(rung.code for rung in ladder)})",
            unknown_tiers=unknown,
        )
    await repository.save_earning_rule(
        session, data.points_per_yuan, dict(data.tier_multipliers_percent)
    )
    return await get_earning_rule(session)


# --- points --------------------------------------------------------------------------------


async def _locked_account(
    session: AsyncSession, member_id: uuid.UUID, ladder: Sequence[Rung]
) -> Account:
    """The member's account, locked; opened at the base tier if the member is new to us."""
    account = await repository.account(session, member_id, lock=True)
    if account is None:
        await repository.open_account(session, member_id, domain.tier_for_spend(ladder, 0).code)
        account = await repository.account(session, member_id, lock=True)
    assert account is not None
    return account


async def open_account(session: AsyncSession, registered: MemberRegistered) -> None:
    """Every member starts at the base tier; an account a purchase already opened stays."""
    _, ladder = await _program(session)
    await repository.open_account(
        session, registered.member_id, domain.tier_for_spend(ladder, 0).code
    )


async def earn_for_purchase(
    session: AsyncSession, purchase: PurchaseCompleted, event_id: str | None = None
) -> None:
    """Points at the rate of the member's tier before this purchase, then promotion."""
    rule, ladder = await _program(session)
    if await repository.purchase(session, purchase.purchase_id) is not None:
        log.warning("purchase %s already earned points; ignored", purchase.purchase_id)
        return
    account = await _locked_account(session, purchase.member_id, ladder)
    tier_before = account.tier_code  # saving the account refreshes the loaded object
    multiplier = domain.multiplier_of(rule.tier_multipliers_percent, account.tier_code)
    points = domain.points_for(purchase.total_fen, rule.points_per_yuan, multiplier)
    balance = account.balance + points
    spend = account.qualifying_spend_fen + purchase.total_fen
    promoted = domain.promotion(ladder, account.tier_code, spend)
    await repository.add_purchase(
        session, purchase.purchase_id, purchase.member_id, purchase.total_fen, points
    )
    entry = LedgerEntry(
        member_id=purchase.member_id,
        kind="earn",
        points=points,
        balance_after=balance,
        purchase_id=purchase.purchase_id,
        event_id=event_id,
    )
    await repository.append_entry(session, entry)
    await repository.save_account(
        session,
        account.member_id,
        balance=balance,
        qualifying_spend_fen=spend,
        tier_code=promoted.code if promoted else account.tier_code,
    )
    payloads: list[EventPayload] = [
        PointsEarned(
            member_id=account.member_id,
            purchase_id=purchase.purchase_id,
            entry_id=entry.id,
            points=points,
            balance=balance,
        )
    ]
    if promoted:
        payloads.append(_tier_changed(account.member_id, tier_before, promoted, "up", spend))
    await _emit(session, account.member_id, *payloads)


async def reverse_for_return(
    session: AsyncSession, returned: PurchaseReturned, event_id: str | None = None
) -> None:
    """Takes back points in proportion to the refund (see :func:`domain.reversal_for` for
    rounding and for points already spent), lowers the qualifying spend and may demote.

    A return of a purchase loyalty never saw is logged and skipped: retrying cannot help."""
    _, ladder = await _program(session)
    known = await repository.purchase(session, returned.purchase_id)
    if known is None:
        log.warning(
            "return %s names purchase %s, which earned no points here; ignored",
            returned.return_id,
            returned.purchase_id,
        )
        return
    account = await _locked_account(session, known.member_id, ladder)
    if await repository.reversal_of(session, returned.return_id) is not None:
        log.warning("return %s was already reversed; ignored", returned.return_id)
        return
    purchase = await repository.purchase(session, returned.purchase_id)  # fresh, under the lock
    assert purchase is not None
    reversal = domain.reversal_for(
        points_earned=purchase.points_earned,
        points_reversed=purchase.points_reversed,
        total_fen=purchase.total_fen,
        returned_fen=purchase.returned_fen,
        amount_fen=returned.amount_fen,
        balance=account.balance,
    )
    tier_before = account.tier_code  # saving the account refreshes the loaded object
    balance = account.balance - reversal.points
    spend = account.qualifying_spend_fen - reversal.returned_fen
    demoted = domain.demotion(ladder, account.tier_code, spend)
    entry = LedgerEntry(
        member_id=account.member_id,
        kind="reverse",
        points=-reversal.points,
        balance_after=balance,
        shortfall=reversal.shortfall,
        purchase_id=purchase.purchase_id,
        return_id=returned.return_id,
        event_id=event_id,
    )
    await repository.append_entry(session, entry)
    await repository.record_reversal(
        session, purchase.purchase_id, reversal.charged, reversal.returned_fen
    )
    await repository.save_account(
        session,
        account.member_id,
        balance=balance,
        qualifying_spend_fen=spend,
        tier_code=demoted.code if demoted else account.tier_code,
    )
    payloads: list[EventPayload] = [
        PointsReversed(
            member_id=account.member_id,
            purchase_id=purchase.purchase_id,
            return_id=returned.return_id,
            entry_id=entry.id,
            points=reversal.points,
            balance=balance,
        )
    ]
    if demoted:
        payloads.append(_tier_changed(account.member_id, tier_before, demoted, "down", spend))
    await _emit(session, account.member_id, *payloads)


async def redeem(session: AsyncSession, member_id: uuid.UUID, data: RedemptionIn) -> RedemptionOut:
    """Spends points; the account row lock makes concurrent redemptions queue up, so the
    balance check and the debit can never interleave."""
    account = await repository.account(session, member_id, lock=True)
    if account is None:
        raise NotFound(f"No loyalty account for member {member_id}")
    if account.balance < data.points:
        raise Unprocessable(
            f"insufficient points: balance {account.balance}, requested {data.points}",
            title="Insufficient points",
            balance=account.balance,
            requested=data.points,
        )
    balance = account.balance - data.points
    entry = LedgerEntry(
        member_id=member_id,
        kind="redeem",
        points=-data.points,
        balance_after=balance,
        redemption_id=uuid.uuid4(),
        reason=data.reason,
    )
    await repository.append_entry(session, entry)
    await repository.save_account(
        session,
        member_id,
        balance=balance,
        qualifying_spend_fen=account.qualifying_spend_fen,
        tier_code=account.tier_code,
    )
    assert entry.redemption_id is not None
    await _emit(
        session,
        member_id,
        PointsRedeemed(
            member_id=member_id,
            redemption_id=entry.redemption_id,
            entry_id=entry.id,
            points=data.points,
            balance=balance,
            reason=data.reason,
        ),
    )
    return RedemptionOut(
        redemption_id=entry.redemption_id,
        member_id=member_id,
        entry_id=entry.id,
        points=data.points,
        balance=balance,
        reason=data.reason,
        created_at=entry.created_at,
    )


# --- reads ---------------------------------------------------------------------------------


async def _account(session: AsyncSession, member_id: uuid.UUID) -> Account:
    account = await repository.account(session, member_id)
    if account is None:
        raise NotFound(f"No loyalty account for member {member_id}")
    return account


async def loyalty_of(session: AsyncSession, member_id: uuid.UUID) -> LoyaltyOut:
    account = await _account(session, member_id)
    ladder = await _ladder(session)
    tier = next((r for r in ladder if r.code == account.tier_code), None)
    ahead = domain.next_tier(ladder, account.qualifying_spend_fen)
    return LoyaltyOut(
        member_id=member_id,
        balance=account.balance,
        tier=TierRef(code=account.tier_code, name=tier.name if tier else account.tier_code),
        qualifying_spend_fen=account.qualifying_spend_fen,
        next_tier=NextTier(
            code=ahead[0].code, name=ahead[0].name, threshold_fen=ahead[0].threshold_fen
        )
        if ahead
        else None,
        missing_fen=ahead[1] if ahead else None,
    )


async def ledger_of(
    session: AsyncSession, member_id: uuid.UUID, limit: int, cursor: str | None
) -> LedgerPage:
    """Newest first; the cursor is the position of the last entry of the previous page."""
    await _account(session, member_id)
    before: int | None = None
    if cursor is not None:
        if not cursor.isdigit():
            raise Unprocessable(f"cursor {cursor!r} is not one this API returned")
        before = int(cursor)
    rows = await repository.entries(session, member_id, limit + 1, before)
    page = rows[:limit]
    more = len(rows) > limit
    return LedgerPage(
        items=[LedgerEntryOut.model_validate(row) for row in page],
        next_cursor=str(page[-1].seq) if more and page else None,
    )
