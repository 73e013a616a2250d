"""Use cases of the loyalty service. They flush, never commit: the caller owns the transaction.

Every change of a member's points locks the account row first, appends one ledger entry
and writes the new balance in the same transaction, so the cached balance always equals
the sum of the ledger. Point changes also hold the program row ``FOR SHARE`` so a ladder
replacement never runs half-way through one of them.
"""

from services.loyalty.service.points import (
    PurchaseNotKnown,
    earn_for_purchase,
    open_account,
    reverse_for_return,
)
from services.loyalty.service.program import (
    get_earning_rule,
    get_ladder,
    replace_ladder,
    set_earning_rule,
)
from services.loyalty.service.reads import ledger_of, loyalty_of
from services.loyalty.service.redemption import redeem

__all__ = [
    "PurchaseNotKnown",
    "earn_for_purchase",
    "get_earning_rule",
    "get_ladder",
    "ledger_of",
    "loyalty_of",
    "open_account",
    "redeem",
    "replace_ladder",
    "reverse_for_return",
    "set_earning_rule",
]
