"""Use cases of stored value (储值): deposits with their bonus, a deposit's refund, a
member's wallet, the deposit-bonus rules and the liability report. They flush, never
commit: the caller owns the transaction.

A wallet belongs to the loyalty account the member owns, also while its points are pooled
into a household's: stored value is the money its payer paid in, refunded to them, so it
is never pooled (a household's members each pay from their own wallet, and joining or
leaving moves no money). Every movement locks the wallet's row first and
changes its lots, its ledger and its sums together, so the sums are always the ledger's
and never negative. Spending order and rounding: :mod:`services.loyalty.wallets.domain`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from services.loyalty.accounts import service as accounts
from services.loyalty.wallets import domain, events, repository
from services.loyalty.wallets.domain import BonusTier
from services.loyalty.wallets.errors import DepositAlreadyRefunded, DepositNotFound
from services.loyalty.wallets.models import Wallet, WalletEntry, WalletLot
from services.loyalty.wallets.schemas import (
    BonusRulesIn,
    BonusRulesOut,
    BonusTierOut,
    DepositIn,
    DepositOut,
    DepositRefundIn,
    DepositRefundOut,
    EntryOut,
    LiabilityOut,
    LotOut,
    StoreLiabilityOut,
    WalletEntryPage,
    WalletOut,
)
from shared.db import AsyncSession
from shared.inputs import input_defaults
from shared.pagination import keyset_page


async def get_rules(session: AsyncSession) -> BonusRulesOut:
    row = await repository.rules(session)
    if row is None:
        return BonusRulesOut(version=None, tiers=[], set_at=None, set_by=None)
    return BonusRulesOut(
        version=row.version,
        tiers=[BonusTierOut.model_validate(tier) for tier in row.tiers],
        set_at=row.set_at,
        set_by=row.set_by,
    )


async def set_rules(session: AsyncSession, data: BonusRulesIn, *, by: str) -> BonusRulesOut:
    """Puts new deposit-bonus tiers in force as the next version; deposits made before keep
    the bonus they got."""
    tiers = sorted(data.model_dump()["tiers"], key=lambda tier: tier["min_deposit_fen"])
    await repository.add_rules(session, tiers, by)
    return await get_rules(session)


def _lot_out(lot: WalletLot) -> LotOut:
    left = domain.left_in(lot.principal_fen, lot.bonus_fen, lot.remaining_fen)
    return LotOut(
        deposit_id=lot.lot_id,
        store_id=lot.store_id,
        principal_fen=lot.principal_fen,
        bonus_fen=lot.bonus_fen,
        remaining_principal_fen=left.principal,
        remaining_bonus_fen=left.bonus,
        rule_version=lot.rule_version,
        created_at=lot.created_at,
        refunded_at=lot.refunded_at,
        refunded_by_store_id=lot.refunded_by_store_id,
    )


def _entry(lot: WalletLot, kind: str, moved: domain.Split, at: datetime) -> WalletEntry:
    return WalletEntry(
        account_id=lot.account_id,
        lot_id=lot.lot_id,
        store_id=lot.store_id,
        kind=kind,
        source_id=lot.lot_id,
        principal_fen=moved.principal,
        bonus_fen=moved.bonus,
        created_at=at,
    )


def _apply(wallet: Wallet, moved: domain.Split, at: datetime) -> None:
    wallet.principal_fen += moved.principal
    wallet.bonus_fen += moved.bonus
    wallet.updated_at = at


async def deposit(
    session: AsyncSession, member_id: uuid.UUID, data: DepositIn, now: datetime
) -> DepositOut:
    """Pays ``data.amount_fen`` into the member's wallet at ``data.store_id``, with the
    bonus of the highest tier of the rules in force it reaches: one lot, one ``deposit``
    entry. Raises :class:`~services.loyalty.accounts.errors.AccountNotFound` (404)."""
    account = await accounts.own_account_of(session, member_id)
    wallet = await repository.locked_wallet(session, account.account_id)
    rules = await repository.rules(session)
    tiers = [BonusTier(**tier) for tier in rules.tiers] if rules is not None else []
    credit = domain.Split(data.amount_fen, domain.bonus_for(tiers, data.amount_fen))
    lot = WalletLot(
        lot_id=uuid.uuid4(),
        account_id=account.account_id,
        member_id=member_id,
        store_id=data.store_id,
        principal_fen=credit.principal,
        bonus_fen=credit.bonus,
        remaining_fen=credit.total,
        rule_version=None if rules is None else rules.version,
        created_at=now,
    )
    _apply(wallet, credit, now)
    await repository.add(session, lot, _entry(lot, "deposit", credit, now))
    await events.deposited(session, lot, wallet)
    return DepositOut(
        member_id=member_id,
        account_id=account.account_id,
        deposit=_lot_out(lot),
        principal_balance_fen=wallet.principal_fen,
        bonus_balance_fen=wallet.bonus_fen,
    )


async def refund_deposit(
    session: AsyncSession,
    member_id: uuid.UUID,
    deposit_id: uuid.UUID,
    data: DepositRefundIn,
    now: datetime,
) -> DepositRefundOut:
    """The customer takes a deposit's money back at ``data.store_id``: its unspent
    principal is paid back and its unspent bonus forfeited (what is left of each, in the
    lot's proportion: bonus already spent stays spent), in one ``deposit_refund`` entry
    that empties the lot.

    Raises :class:`DepositNotFound` (404: not in the wallet the member holds now) and
    :class:`DepositAlreadyRefunded` (409).
    """
    account = await accounts.own_account_of(session, member_id)
    wallet = await repository.locked_wallet(session, account.account_id)
    lot = await repository.lot(session, deposit_id, lock=True)
    if lot is None or lot.account_id != account.account_id:
        raise DepositNotFound(f"No deposit {deposit_id} in this member's wallet")
    if lot.refunded_at is not None:
        raise DepositAlreadyRefunded(f"deposit {deposit_id} was refunded at {lot.refunded_at}")
    left = domain.left_in(lot.principal_fen, lot.bonus_fen, lot.remaining_fen)
    taken = domain.Split(-left.principal, -left.bonus)
    lot.remaining_fen = 0
    lot.refunded_at = now
    lot.refunded_by_store_id = data.store_id
    _apply(wallet, taken, now)
    await repository.add(session, _entry(lot, "deposit_refund", taken, now))
    await events.deposit_refunded(session, lot, wallet, left, member_id)
    return DepositRefundOut(
        member_id=member_id,
        account_id=account.account_id,
        deposit=_lot_out(lot),
        principal_balance_fen=wallet.principal_fen,
        bonus_balance_fen=wallet.bonus_fen,
        refunded_fen=left.principal,
        forfeited_bonus_fen=left.bonus,
    )


async def wallet_of(session: AsyncSession, member_id: uuid.UUID, limit: int) -> WalletOut:
    """The wallet of the account the member owns: principal and bonus (fen), its ``limit``
    latest entries and the cursor of the entries before them (``entries_of``). An account
    that never had a deposit shows 0. Raises
    :class:`~services.loyalty.accounts.errors.AccountNotFound` (404)."""
    account = await accounts.own_account_of(session, member_id)
    wallet = await repository.wallet(session, account.account_id)
    principal, bonus = (0, 0) if wallet is None else (wallet.principal_fen, wallet.bonus_fen)
    page = await _entries(session, account.account_id, limit, None)
    return WalletOut(
        account_id=account.account_id,
        principal_fen=principal,
        bonus_fen=bonus,
        balance_fen=principal + bonus,
        entries=page.items,
        entries_cursor=page.next_cursor,
    )


async def entries_of(
    session: AsyncSession, member_id: uuid.UUID, limit: int, before: int | None
) -> WalletEntryPage:
    """The ledger of the wallet of the account the member owns, the latest entry first,
    ``limit`` at a time, before position ``before`` (a page's ``next_cursor``). Raises
    :class:`~services.loyalty.accounts.errors.AccountNotFound` (404)."""
    account = await accounts.own_account_of(session, member_id)
    return await _entries(session, account.account_id, limit, before)


async def _entries(
    session: AsyncSession, account_id: uuid.UUID, limit: int, before: int | None
) -> WalletEntryPage:
    rows, next_cursor = keyset_page(
        await repository.entries(session, account_id, limit + 1, before),
        limit,
        lambda row: str(row.seq),
    )
    return WalletEntryPage(
        items=[
            EntryOut(
                id=row.id,
                kind=row.kind,
                deposit_id=row.lot_id,
                store_id=row.store_id,
                principal_fen=row.principal_fen,
                bonus_fen=row.bonus_fen,
                ref=row.source_id,
                created_at=row.created_at,
            )
            for row in rows
        ],
        next_cursor=next_cursor,
    )


def end_of_day(day: date) -> datetime:
    """The instant the business day ``day`` ends, in the brand's timezone."""
    zone = input_defaults().business_timezone
    return datetime.combine(day + timedelta(days=1), time(), zone)


async def liability(session: AsyncSession, day: date) -> LiabilityOut:
    """Principal and bonus outstanding at the end of business day ``day`` (brand
    timezone), per store that took the deposits: the sums of the ledger's entries made
    before that instant, so the report is the ledger's, to the fen."""
    until = end_of_day(day)
    stores = [
        StoreLiabilityOut(store_id=store, principal_fen=principal, bonus_fen=bonus)
        for store, principal, bonus in await repository.liability(session, until)
    ]
    return LiabilityOut(
        date=day.isoformat(),
        until=until,
        stores=stores,
        principal_fen=sum(store.principal_fen for store in stores),
        bonus_fen=sum(store.bonus_fen for store in stores),
    )
