"""Every POST that takes an ``Idempotency-Key`` documents its 409 and when to retry."""

from __future__ import annotations

import importlib

import pytest

from huiyuan.provision import SERVICES
from shared.errors import PROBLEM_JSON
from shared.idempotency import RequestInProgress

IDEMPOTENT_POSTS = {
    ("loyalty", "/members/{member_id}/wallet/deposits"),
    ("loyalty", "/members/{member_id}/wallet/deposits/{deposit_id}/refund"),
    ("customer", "/members"),
    ("customer", "/imports"),
    ("customer", "/households"),
    ("customer", "/households/{household_id}/members"),
    ("customer", "/members/{member_id}/card/reissue"),
    ("customer", "/members/{member_id}/erasure"),
    ("customer", "/tickets"),
    ("customer", "/tickets/{ticket_id}/judgement"),
    ("customer", "/tickets/{ticket_id}/assignment"),
    ("customer", "/tickets/{ticket_id}/resolution"),
    ("customer", "/tickets/{ticket_id}/follow-up"),
    ("customer", "/tickets/{ticket_id}/close"),
    ("customer", "/tickets/{ticket_id}/survey"),
    ("customer", "/tags"),
    ("customer", "/tags/{tag_id}/members"),
    ("customer", "/tags/{tag_id}/members/remove"),
    ("customer", "/categories"),
    ("customer", "/categories/{category_id}/members"),
    ("customer", "/categories/{category_id}/members/remove"),
    ("customer", "/custom-fields"),
    ("orders", "/purchases"),
    ("orders", "/catalog/categories"),
    ("orders", "/catalog/products"),
    ("orders", "/purchases/{purchase_id}/returns"),
    ("orders", "/purchases/{purchase_id}/void"),
    ("orders", "/reservations"),
    ("orders", "/wallet-deposits"),
    ("orders", "/reservations/{reservation_id}/release"),
    ("orders", "/coupon-reservations"),
    ("orders", "/coupon-reservations/{reservation_id}/release"),
    ("loyalty", "/members/{member_id}/redemptions"),
    ("loyalty", "/members/{member_id}/tier-assignments"),
    ("loyalty", "/members/{member_id}/adjustments"),
    ("loyalty", "/reservations"),
    ("loyalty", "/reservations/{reservation_id}/commit"),
    ("loyalty", "/reservations/{reservation_id}/release"),
    ("loyalty", "/coupon-reservations"),
    ("loyalty", "/coupon-reservations/{reservation_id}/commit"),
    ("loyalty", "/coupon-reservations/{reservation_id}/release"),
    ("loyalty", "/rewards/items"),
    ("loyalty", "/coupons/definitions"),
    ("loyalty", "/campaigns"),
    ("loyalty", "/campaigns/{campaign_id}/end"),
    ("loyalty", "/lottery/campaigns"),
    ("loyalty", "/lottery/campaigns/{campaign_id}/end"),
    ("loyalty", "/members/{member_id}/draws"),
    ("loyalty", "/members/{member_id}/coupons"),
    ("loyalty", "/coupons/definitions/{definition_id}/grants"),
    ("loyalty", "/coupons/band-rules"),
    ("loyalty", "/coupons/band-rules/{rule_id}/runs"),
    ("loyalty", "/rewards/items/{item_id}/stock"),
    ("loyalty", "/members/{member_id}/reward-orders"),
    ("loyalty", "/members/{member_id}/reward-orders/{order_id}/cancel"),
    ("messaging", "/webhook-subscriptions"),
    ("messaging", "/broadcasts"),
    ("messaging", "/webhook-subscriptions/{subscription_id}/rotate-secret"),
    ("messaging", "/webhook-subscriptions/{subscription_id}/deliveries/{delivery_id}/replay"),
    ("messaging", "/journeys/runs/{run_id}/due"),
    ("analytics", "/clv/fits"),
    ("analytics", "/segments"),
}


@pytest.mark.parametrize("service", SERVICES)
def test_idempotent_posts_document_409_with_retry_after(service: str) -> None:
    spec = importlib.import_module(f"services.{service}.main").create_app().openapi()
    found = set()
    for path, operations in spec["paths"].items():
        post = operations.get("post", {})
        if not any(p["name"] == "Idempotency-Key" for p in post.get("parameters", [])):
            continue
        found.add((service, path))
        conflict = post["responses"]["409"]
        assert "Retry-After" in conflict["headers"], path
        examples = conflict["content"][PROBLEM_JSON]["examples"]
        assert examples["in_progress"]["value"]["title"] == RequestInProgress.title, path
    assert found == {post for post in IDEMPOTENT_POSTS if post[0] == service}


# a sign-up form need not send one; nor staff adding a category, a product or a custom field: like a
# member's phone, its code, SKU or key is unique, so a retry without a key is a 409, never a double;
# nor staff opening or joining a household: a member is in one household at most; nor a
# ticket's steps and survey: a step repeated without a key is 409, the state having moved on;
# nor a tag or category (unique names: 409) or a bulk assignment (a set: a repeat changes nothing)
# nor an import: the same file again without a key changes nothing
# nor a webhook delivery's replay: a repeat sends the same webhook-id once more, which the
# receiver deduplicates; nor making a journey run due: a repeat makes it due again, and it runs once
OPTIONAL_KEY = {
    ("customer", "/members"),
    ("customer", "/imports"),
    ("customer", "/custom-fields"),
    ("customer", "/households"),
    ("customer", "/households/{household_id}/members"),
    ("customer", "/tickets/{ticket_id}/judgement"),
    ("customer", "/tickets/{ticket_id}/assignment"),
    ("customer", "/tickets/{ticket_id}/resolution"),
    ("customer", "/tickets/{ticket_id}/follow-up"),
    ("customer", "/tickets/{ticket_id}/close"),
    ("customer", "/tickets/{ticket_id}/survey"),
    ("customer", "/tags"),
    ("customer", "/tags/{tag_id}/members"),
    ("customer", "/tags/{tag_id}/members/remove"),
    ("customer", "/categories"),
    ("customer", "/categories/{category_id}/members"),
    ("customer", "/categories/{category_id}/members/remove"),
    ("orders", "/catalog/categories"),
    ("orders", "/catalog/products"),
    ("messaging", "/webhook-subscriptions/{subscription_id}/deliveries/{delivery_id}/replay"),
    ("messaging", "/journeys/runs/{run_id}/due"),
    ("analytics", "/clv/fits"),
    ("analytics", "/segments"),
}


@pytest.mark.parametrize("service", SERVICES)
def test_the_key_is_documented_as_required_where_a_post_without_one_is_refused(
    service: str,
) -> None:
    spec = importlib.import_module(f"services.{service}.main").create_app().openapi()
    for path, operations in spec["paths"].items():
        post = operations.get("post", {})
        for parameter in post.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                assert parameter["required"] is ((service, path) not in OPTIONAL_KEY), path
                assert parameter["description"].startswith(
                    "Required." if parameter["required"] else "Optional."
                )
