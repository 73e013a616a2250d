from services.loyalty.accounts import models as _accounts  # noqa: F401 - registers the tables
from services.loyalty.base import LoyaltyTable
from services.loyalty.campaigns import models as _campaigns  # noqa: F401
from services.loyalty.coupon_bands import models as _bands  # noqa: F401
from services.loyalty.coupons import models as _coupons  # noqa: F401
from services.loyalty.coupons.batches import models as _batches  # noqa: F401
from services.loyalty.coupons.birthdays import models as _birthdays  # noqa: F401
from services.loyalty.lottery import models as _lottery  # noqa: F401
from services.loyalty.points import models as _points  # noqa: F401
from services.loyalty.program import models as _program  # noqa: F401
from services.loyalty.reservations import models as _reservations  # noqa: F401
from services.loyalty.rewards import models as _rewards  # noqa: F401
from services.loyalty.tier_coupons import models as _tier_coupons  # noqa: F401
from services.loyalty.tiers import models as _tiers  # noqa: F401
from services.loyalty.tiers.benefits import models as _benefits  # noqa: F401
from services.loyalty.till_coupons import models as _till_coupons  # noqa: F401
from shared.migrations import run_env

run_env(LoyaltyTable.metadata)
