"""Every event type Huiyuan knows, mapped to its payload contract."""

from __future__ import annotations

from shared.events.coupons import (
    CouponExpired,
    CouponExpiring,
    CouponGranted,
    CouponRedeemed,
    CouponReleased,
    CouponWithdrawn,
)
from shared.events.customer import (
    HouseholdCreated,
    HouseholdJoined,
    HouseholdLeft,
    MemberCardReissued,
    MemberConsentChanged,
    MemberDeactivated,
    MemberErased,
    MemberReactivated,
    MemberReferred,
    MemberRegistered,
    MemberUpdated,
    SigninCodeRequested,
    TicketEscalated,
    TicketResolved,
    TicketSurveyed,
)
from shared.events.draws import DrawChancesChanged, DrawGiftFulfilled, DrawMade
from shared.events.envelope import EventPayload
from shared.events.loyalty import (
    AccountOpened,
    CampaignChanged,
    CampaignClosed,
    CampaignRewarded,
    PointsAdjusted,
    PointsEarned,
    PointsExpired,
    PointsExpiring,
    PointsHeld,
    PointsRedeemed,
    PointsRefunded,
    PointsReleased,
    PointsRetaken,
    PointsReversed,
    PointsTransferred,
    RewardCancelled,
    RewardFulfilled,
    RewardOrdered,
    ShortfallRecovered,
    TierChanged,
)
from shared.events.messaging import (
    MemberOptedOut,
    NotificationDeferred,
    NotificationFailed,
    NotificationSent,
    NotificationSuppressed,
)
from shared.events.orders import (
    ProductChanged,
    PurchaseCompleted,
    PurchaseReturned,
    PurchaseVoided,
)
from shared.events.referrals import (
    ReferralCancelled,
    ReferralQualified,
    ReferralRefused,
    ReferralRewarded,
)
from shared.events.segments import SegmentChanged, SegmentDeleted
from shared.events.wallet import (
    WalletDeposited,
    WalletDepositRefunded,
    WalletHeld,
    WalletRefunded,
    WalletReleased,
    WalletRetaken,
)

EVENT_TYPES: dict[str, type[EventPayload]] = {
    model.event_type: model
    for model in (
        MemberRegistered,
        MemberReferred,
        MemberUpdated,
        MemberConsentChanged,
        MemberCardReissued,
        MemberDeactivated,
        MemberErased,
        MemberReactivated,
        SigninCodeRequested,
        HouseholdCreated,
        HouseholdJoined,
        HouseholdLeft,
        TicketEscalated,
        TicketResolved,
        TicketSurveyed,
        PurchaseCompleted,
        PurchaseReturned,
        PurchaseVoided,
        ProductChanged,
        AccountOpened,
        PointsEarned,
        PointsReversed,
        PointsRedeemed,
        PointsTransferred,
        PointsHeld,
        PointsReleased,
        PointsRefunded,
        PointsRetaken,
        PointsAdjusted,
        PointsExpiring,
        PointsExpired,
        ShortfallRecovered,
        RewardOrdered,
        RewardFulfilled,
        RewardCancelled,
        CouponGranted,
        CouponWithdrawn,
        CouponExpiring,
        CouponExpired,
        CouponRedeemed,
        CouponReleased,
        TierChanged,
        CampaignRewarded,
        CampaignChanged,
        CampaignClosed,
        DrawChancesChanged,
        DrawMade,
        DrawGiftFulfilled,
        WalletDeposited,
        WalletDepositRefunded,
        WalletHeld,
        WalletReleased,
        WalletRefunded,
        WalletRetaken,
        ReferralQualified,
        ReferralRewarded,
        ReferralCancelled,
        ReferralRefused,
        NotificationSent,
        NotificationFailed,
        NotificationSuppressed,
        NotificationDeferred,
        MemberOptedOut,
        SegmentChanged,
        SegmentDeleted,
    )
}

TOPICS: tuple[str, ...] = tuple(
    sorted({f"{name.split('.', 1)[0]}.events" for name in EVENT_TYPES} | {"analytics.events"})
)


def payload_model(event_type: str) -> type[EventPayload] | None:
    return EVENT_TYPES.get(event_type)
