"""Every operation documents its problem answers as ``application/problem+json``: 422 with
the project's schema instead of FastAPI's ``HTTPValidationError``, 413, 500 and 503
everywhere, 401 wherever a caller must sign in, 403 where a role or member is checked."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from huiyuan.provision import SERVICES
from shared.errors import PROBLEM_JSON
from shared.openapi import PROBLEM_REF, REQUEST_ID_REF

# operations that check a role or whose member a member token must be
# no login: the signed token in the link is the credential (an email's unsubscribe link)
SIGNED_LINKS = {
    ("messaging", "GET /unsubscribe/{token}"),
    ("messaging", "POST /unsubscribe/{token}"),
}

# member sign-in, before the member has a token: nothing to sign in with (a code is asked
# for; a sign-out names its refresh token, and an unknown one changes nothing) ...
NO_LOGIN = {
    ("customer", "POST /auth/sms-codes"),
    ("customer", "POST /auth/sign-out"),
    ("customer", "POST /staff/sessions/sign-out"),
}
# ... or the credential is in the body (a code, a refresh token): 401 without a scheme
CREDENTIALS_IN_BODY = {
    ("customer", "POST /auth/sessions"),
    ("customer", "POST /auth/refresh"),
    ("customer", "POST /staff/sessions/refresh"),
}

SIGN_INS = {("customer", "POST /staff/sessions")}
"""Public, yet answering 401 (a wrong password): they take credentials in the body."""
ROLE_OR_MEMBER_CHECKED = {
    ("customer", "POST /staff"),
    ("customer", "GET /staff"),
    ("customer", "GET /staff/{staff_id}"),
    ("customer", "PATCH /staff/{staff_id}"),
    ("customer", "POST /staff/me/password"),
    ("customer", "POST /staff/me/revoke-all"),
    ("customer", "POST /staff/{staff_id}/revoke-all"),
    ("customer", "POST /members"),
    ("customer", "POST /custom-fields"),
    ("customer", "GET /custom-fields"),
    ("customer", "GET /custom-fields/{key}"),
    ("customer", "PATCH /custom-fields/{key}"),
    ("customer", "POST /custom-fields/{key}/retire"),
    ("customer", "GET /members"),
    ("customer", "GET /members/{member_id}"),
    ("customer", "GET /members/{member_id}/contact"),
    ("customer", "PATCH /members/{member_id}"),
    ("customer", "PUT /members/{member_id}/consent"),
    ("customer", "POST /members/{member_id}/card/reissue"),
    ("customer", "POST /members/{member_id}/erasure"),
    ("customer", "GET /members/{member_id}/export"),
    ("orders", "GET /members/{member_id}/export"),
    ("loyalty", "GET /members/{member_id}/export"),
    ("messaging", "GET /members/{member_id}/export"),
    ("analytics", "GET /members/{member_id}/export"),
    ("customer", "POST /members/{member_id}/lock"),
    ("customer", "POST /members/{member_id}/unlock"),
    ("customer", "POST /members/{member_id}/deactivate"),
    ("customer", "POST /members/{member_id}/reactivate"),
    ("customer", "GET /members/{member_id}/history"),
    ("customer", "GET /members/{member_id}/consent/history"),
    ("customer", "POST /auth/sessions"),  # an inactive member may not sign in
    ("customer", "POST /auth/refresh"),
    ("customer", "POST /auth/revoke-all"),
    ("customer", "POST /households"),
    ("customer", "GET /households"),
    ("customer", "GET /households/{household_id}"),
    ("customer", "POST /households/{household_id}/members"),
    ("customer", "DELETE /households/{household_id}/members/{card_number}"),
    ("customer", "POST /tickets"),
    ("customer", "POST /imports"),
    ("customer", "GET /imports/{import_id}"),
    ("customer", "GET /imports/{import_id}/errors"),
    ("customer", "GET /members:export"),
    ("customer", "GET /tickets"),
    ("customer", "GET /tickets/{ticket_id}"),
    ("customer", "GET /tickets/{ticket_id}/history"),
    ("customer", "POST /tickets/{ticket_id}/judgement"),
    ("customer", "POST /tickets/{ticket_id}/assignment"),
    ("customer", "POST /tickets/{ticket_id}/resolution"),
    ("customer", "POST /tickets/{ticket_id}/follow-up"),
    ("customer", "POST /tickets/{ticket_id}/close"),
    ("customer", "POST /tickets/{ticket_id}/survey"),
    ("customer", "GET /staff/me/reminders"),
    ("customer", "GET /staff/me/recent-members"),
    ("customer", "GET /staff/me/pinned-members"),
    ("customer", "PUT /staff/me/pinned-members/{member_id}"),
    ("customer", "DELETE /staff/me/pinned-members/{member_id}"),
    ("customer", "GET /program/joining-policy"),
    ("customer", "PUT /program/joining-policy"),
    ("customer", "GET /card-fees"),
    ("customer", "POST /tags"),
    ("customer", "GET /tags"),
    ("customer", "PATCH /tags/{tag_id}"),
    ("customer", "DELETE /tags/{tag_id}"),
    ("customer", "POST /tags/{tag_id}/members"),
    ("customer", "POST /tags/{tag_id}/members/remove"),
    ("customer", "POST /categories"),
    ("customer", "GET /categories"),
    ("customer", "PATCH /categories/{category_id}"),
    ("customer", "DELETE /categories/{category_id}"),
    ("customer", "POST /categories/{category_id}/members"),
    ("customer", "POST /categories/{category_id}/members/remove"),
    ("orders", "POST /stores"),
    ("orders", "POST /stores/{store_id}/keys"),
    ("orders", "POST /stores/{store_id}/keys/{key_id}/revoke"),
    ("orders", "GET /stores/{store_id}/keys"),
    ("orders", "GET /stores/{store_id}/purchases"),
    ("orders", "GET /stores/{store_id}/purchases/{purchase_id}"),
    ("orders", "POST /catalog/categories"),
    ("orders", "PATCH /catalog/categories/{code}"),
    ("orders", "GET /catalog/categories"),
    ("orders", "POST /catalog/products"),
    ("orders", "GET /catalog/products"),
    ("orders", "GET /catalog/products/{product_id}"),
    ("orders", "PATCH /catalog/products/{product_id}"),
    ("orders", "POST /catalog/products/{product_id}/void"),
    ("orders", "POST /catalog/products/{product_id}/restore"),
    ("orders", "GET /catalog/products/{product_id}/prices"),
    ("orders", "POST /catalog/products:import"),
    ("orders", "GET /catalog/products:export"),
    ("orders", "GET /catalog/policy"),
    ("orders", "PUT /catalog/policy"),
    ("loyalty", "PUT /program/tiers"),
    ("loyalty", "GET /program/earning-rule"),
    ("loyalty", "PUT /program/earning-rule"),
    ("loyalty", "GET /program/earning-rules"),
    ("loyalty", "PUT /program/earning-rules"),
    ("loyalty", "POST /program/simulate"),
    ("loyalty", "GET /program/household-policy"),
    ("loyalty", "PUT /program/household-policy"),
    ("loyalty", "GET /members/{member_id}/loyalty"),
    ("loyalty", "GET /members/{member_id}/ledger"),
    ("loyalty", "POST /members/{member_id}/redemptions"),
    ("loyalty", "GET /program/tier-policy"),
    ("loyalty", "PUT /program/tier-policy"),
    ("loyalty", "PUT /program/tier-benefits"),
    ("loyalty", "GET /members/{member_id}/benefits"),
    ("loyalty", "POST /members/{member_id}/tier-assignments"),
    ("loyalty", "GET /program/points-policy"),
    ("loyalty", "PUT /program/points-policy"),
    ("loyalty", "GET /program/referral-policy"),
    ("loyalty", "PUT /program/referral-policy"),
    ("loyalty", "POST /members/{member_id}/adjustments"),
    ("loyalty", "GET /shortfalls"),
    ("loyalty", "GET /program/till-policy"),
    ("loyalty", "GET /program/wallet-bonus-rules"),
    ("loyalty", "PUT /program/wallet-bonus-rules"),
    ("loyalty", "GET /members/{member_id}/wallet"),
    ("loyalty", "GET /members/{member_id}/wallet/entries"),
    ("loyalty", "POST /members/{member_id}/wallet/deposits"),
    ("loyalty", "POST /members/{member_id}/wallet/deposits/{deposit_id}/refund"),
    ("loyalty", "GET /wallet/liability"),
    ("loyalty", "PUT /program/till-policy"),
    ("loyalty", "POST /reservations"),
    ("loyalty", "GET /reservations/{reservation_id}"),
    ("loyalty", "POST /reservations/{reservation_id}/commit"),
    ("loyalty", "POST /reservations/{reservation_id}/release"),
    ("loyalty", "POST /coupon-reservations"),
    ("loyalty", "GET /coupon-reservations/{reservation_id}"),
    ("loyalty", "POST /coupon-reservations/{reservation_id}/commit"),
    ("loyalty", "POST /coupon-reservations/{reservation_id}/release"),
    ("loyalty", "POST /rewards/items"),
    ("loyalty", "POST /coupons/definitions"),
    ("loyalty", "POST /coupons/validate"),
    ("loyalty", "POST /members/{member_id}/coupons"),
    ("loyalty", "GET /members/{member_id}/coupons"),
    ("loyalty", "GET /members/{member_id}/referrals"),
    ("loyalty", "GET /coupons/definitions"),
    ("loyalty", "GET /coupons/definitions/{definition_id}"),
    ("loyalty", "POST /coupons/definitions/{definition_id}/grants"),
    ("loyalty", "GET /coupons/definitions/{definition_id}/grants/{batch_id}"),
    ("loyalty", "GET /coupons/definitions/{definition_id}/grants/{batch_id}/refusals"),
    ("loyalty", "GET /coupons/birthday"),
    ("loyalty", "PUT /coupons/birthday"),
    ("loyalty", "POST /coupons/band-rules"),
    ("loyalty", "GET /coupons/band-rules/{rule_id}"),
    ("loyalty", "POST /coupons/band-rules/{rule_id}/runs"),
    ("loyalty", "GET /coupons/band-rules/{rule_id}/runs/{year}"),
    ("loyalty", "GET /coupons/tier-coupons"),
    ("loyalty", "PUT /coupons/tier-coupons"),
    ("loyalty", "PUT /rewards/items/{item_id}"),
    ("loyalty", "POST /rewards/items/{item_id}/stock"),
    ("loyalty", "GET /rewards/items/{item_id}/stock"),
    ("loyalty", "POST /members/{member_id}/reward-orders"),
    ("loyalty", "GET /members/{member_id}/reward-orders"),
    ("loyalty", "GET /reward-orders"),
    ("loyalty", "POST /members/{member_id}/reward-orders/{order_id}/fulfil"),
    ("loyalty", "POST /members/{member_id}/reward-orders/{order_id}/cancel"),
    ("loyalty", "POST /campaigns"),
    ("loyalty", "GET /campaigns"),
    ("loyalty", "GET /campaigns/{campaign_id}"),
    ("loyalty", "PATCH /campaigns/{campaign_id}"),
    ("loyalty", "POST /campaigns/{campaign_id}/end"),
    ("loyalty", "GET /campaigns/{campaign_id}/leaderboard"),
    ("loyalty", "POST /campaigns/dry-run"),
    ("loyalty", "POST /lottery/campaigns"),
    ("loyalty", "GET /lottery/campaigns"),
    ("loyalty", "GET /lottery/campaigns/{campaign_id}"),
    ("loyalty", "POST /lottery/campaigns/{campaign_id}/end"),
    ("loyalty", "GET /lottery/campaigns/{campaign_id}/draws"),
    ("loyalty", "POST /lottery/draws/{draw_id}/fulfilment"),
    ("loyalty", "POST /members/{member_id}/draws"),
    ("loyalty", "GET /members/{member_id}/draws"),
    ("messaging", "GET /members/{member_id}/notifications"),
    ("messaging", "GET /notifications/stats"),
    ("messaging", "POST /webhook-subscriptions"),
    ("messaging", "GET /webhook-subscriptions"),
    ("messaging", "GET /webhook-subscriptions/{subscription_id}"),
    ("messaging", "PATCH /webhook-subscriptions/{subscription_id}"),
    ("messaging", "DELETE /webhook-subscriptions/{subscription_id}"),
    ("messaging", "POST /webhook-subscriptions/{subscription_id}/rotate-secret"),
    ("messaging", "GET /webhook-subscriptions/{subscription_id}/deliveries"),
    ("messaging", "GET /webhook-subscriptions/{subscription_id}/deliveries/{delivery_id}"),
    ("messaging", "POST /webhook-subscriptions/{subscription_id}/deliveries/{delivery_id}/replay"),
    ("messaging", "GET /messaging-policy"),
    ("messaging", "PUT /messaging-policy"),
    ("messaging", "GET /templates"),
    ("messaging", "GET /templates/{key}/{channel}/{locale}"),
    ("messaging", "PUT /templates/{key}/{channel}/{locale}"),
    ("messaging", "POST /templates/{key}/{channel}/{locale}/revert"),
    ("messaging", "POST /templates/{key}/{channel}/{locale}/preview"),
    ("messaging", "GET /notifications/stats/daily"),
    ("messaging", "GET /journeys"),
    ("messaging", "PUT /journeys"),
    ("messaging", "GET /journeys/runs"),
    ("messaging", "POST /journeys/runs/{run_id}/due"),
    ("messaging", "POST /broadcasts"),
    ("messaging", "GET /broadcasts"),
    ("messaging", "GET /broadcasts/{broadcast_id}"),
    ("messaging", "GET /broadcasts/{broadcast_id}/report"),
    ("messaging", "POST /broadcasts/{broadcast_id}/audience"),
    ("messaging", "POST /broadcasts/{broadcast_id}/start"),
    ("messaging", "POST /broadcasts/{broadcast_id}/pause"),
    ("messaging", "POST /broadcasts/{broadcast_id}/resume"),
    ("messaging", "POST /broadcasts/{broadcast_id}/cancel"),
    ("analytics", "GET /kpis"),
    ("analytics", "GET /reports/referrals"),
    ("analytics", "GET /members/{member_id}/summary"),
    ("analytics", "POST /cohorts/kpis"),
    ("analytics", "GET /segmentation/rfm"),
    ("analytics", "GET /segmentation/quadrants"),
    ("analytics", "GET /segmentation/pareto"),
    ("analytics", "GET /segmentation/sleeping"),
    ("analytics", "GET /segmentation/churn-warnings"),
    ("analytics", "GET /segmentation/members"),
    ("analytics", "POST /clv/fits"),
    ("analytics", "GET /clv/fits/{fit_id}"),
    ("analytics", "GET /clv/fits/{fit_id}/members/{member_id}"),
    ("analytics", "GET /clv/tiers"),
    ("analytics", "POST /segments"),
    ("analytics", "GET /segments"),
    ("analytics", "GET /segments/{segment_id}"),
    ("analytics", "PUT /segments/{segment_id}"),
    ("analytics", "DELETE /segments/{segment_id}"),
    ("analytics", "POST /segments/{segment_id}/refresh"),
    ("analytics", "GET /segments/{segment_id}/runs/{run_id}"),
    ("analytics", "GET /segments/{segment_id}/members"),
    ("analytics", "GET /clv/fits"),
    ("analytics", "GET /reports/revenue"),
    ("analytics", "GET /reports/members"),
    ("analytics", "GET /reports/retention"),
    ("analytics", "GET /reports/pareto"),
    ("analytics", "GET /reports/quadrants"),
    ("analytics", "GET /reports/rfm"),
    ("analytics", "GET /reports/clv"),
    ("analytics", "GET /reports/campaign-lift"),
    *((service, "GET /audit") for service in SERVICES),  # admin only, on every service
}


def _operations(service: str) -> dict[str, dict[str, Any]]:
    spec = importlib.import_module(f"services.{service}.main").create_app().openapi()
    return {
        f"{method.upper()} {path}": operation
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_problem_answer_is_documented_as_problem_json(service: str) -> None:
    spec = importlib.import_module(f"services.{service}.main").create_app().openapi()
    assert "HTTPValidationError" not in str(spec)
    for name, operation in _operations(service).items():
        responses = operation["responses"]
        assert {"413", "500", "503"} <= responses.keys(), name
        if "operations" not in operation["tags"]:  # /readyz's own 503 has no Retry-After
            assert "Retry-After" in responses["503"]["headers"], name
        for status, response in responses.items():
            assert response["headers"]["X-Request-ID"] == {"$ref": REQUEST_ID_REF}
            if status[0] in "45":
                assert response["content"].keys() == {PROBLEM_JSON}, (name, status)
                assert response["content"][PROBLEM_JSON]["schema"] == {"$ref": PROBLEM_REF}
        if "requestBody" in operation or operation.get("parameters"):
            assert "422" in responses, name


@pytest.mark.parametrize("service", SERVICES)
def test_sign_in_and_access_refusals_are_documented_where_they_happen(service: str) -> None:
    for name, operation in _operations(service).items():
        public = "operations" in operation["tags"]  # /healthz, /readyz, /metrics
        public = public or (service, name) in SIGNED_LINKS | NO_LOGIN
        assert ("401" in operation["responses"]) != public, name
        assert ("403" in operation["responses"]) == ((service, name) in ROLE_OR_MEMBER_CHECKED)


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_that_needs_credentials_names_its_scheme(service: str) -> None:
    """So /docs offers to authorize with a bearer token (or a store's API key)."""
    spec = importlib.import_module(f"services.{service}.main").create_app().openapi()
    schemes = spec["components"]["securitySchemes"]
    for name, operation in _operations(service).items():
        if (
            "401" in operation["responses"]
            and (service, name) not in CREDENTIALS_IN_BODY | SIGN_INS
        ):
            required = {scheme for entry in operation["security"] for scheme in entry}
            assert required, name
            assert required <= schemes.keys(), name


OTHER_MEDIA = {
    ("customer", "POST /imports"),  # CSV, as text/csv or a multipart upload
    ("orders", "POST /catalog/products:import"),  # text/csv
    ("messaging", "POST /broadcasts/{broadcast_id}/audience"),  # text/csv
}
"""Operations whose body is not JSON: they read it themselves, so no 415 of the framework's.
(The one-click unsubscribe POST and the SMS and email webhooks declare no body, or JSON.)"""


@pytest.mark.parametrize("service", SERVICES)
def test_415_is_documented_exactly_where_the_body_is_json(service: str) -> None:
    for name, operation in _operations(service).items():
        media = set(operation.get("requestBody", {}).get("content", {}))
        assert ("application/json" in media) == ("415" in operation["responses"]), name
        assert (bool(media) and "application/json" not in media) == (
            (service, name) in OTHER_MEDIA
        ), name
