"""Drives a running previous-release ``huiyuan up`` as a user would and records its answers.

Not a test: README.md says how it made ``previous_release.sql`` and
``previous_release.json``. It talks HTTP only (and the previous release's ``huiyuan``
command for tokens and stores) and imports nothing from this tree, so it runs with the
previous release's interpreter from its checkout. The test imports the requests from here
to send them again after the upgrade.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

PORTS = {"customer": 8001, "orders": 8002, "loyalty": 8003, "messaging": 8004, "analytics": 8005}

LADDER = [
    {"code": "standard", "name": "普通会员", "threshold_fen": 0, "benefits": "生日礼物"},
    {"code": "vip", "name": "VIP贵宾", "threshold_fen": 100000, "benefits": "95折"},
    {"code": "star", "name": "VIP健康之星", "threshold_fen": 500000, "benefits": "9折, 优先服务"},
    {"code": "angel", "name": "VIP健康天使", "threshold_fen": 2000000, "benefits": "85折"},
]
RULE = {
    "points_per_yuan": 1,
    "tier_multipliers_percent": {"standard": 100, "vip": 120, "star": 150, "angel": 200},
}
STORES = {"flagship": "旗舰店 Flagship", "xuhui": "徐汇店 Xuhui"}
Body = dict[str, Any]


def signups(store_ids: Mapping[str, str]) -> dict[str, tuple[str | None, Body]]:
    """Member label: (sign-up Idempotency-Key, body); phones typed as people type them."""
    return {
        "lilei": ("signup-lilei", {
            "name": "李雷", "phone": "+86 138-0013-8000", "email": "lilei@example.com",
            "birthday": "1990-05-20", "gender": "male", "locale": "zh-CN",
            "consent": {"sms": True, "email": True}, "store_id": store_ids["flagship"]}),
        "hanmeimei": ("signup-hanmeimei", {
            "name": "韩梅梅", "phone": "13800138001", "email": "hanmeimei@example.com",
            "gender": "female", "consent": {"sms": True, "email": True}}),
        # the previous release keeps this US number as the mainland number 13125550147
        "john": ("signup-john", {
            "name": "John Smith", "phone": "+1 312 555 0147", "email": "john.smith@example.com",
            "locale": "en", "consent": {"sms": True, "email": True}}),
        # ... and this UK number as the digits 447700900123, without its "+"
        "oliver": ("signup-oliver", {
            "name": "Oliver Brown", "phone": "+44 7700 900123", "email": "oliver@example.co.uk",
            "locale": "en", "consent": {"sms": True, "email": False},
            "store_id": store_ids["xuhui"]}),
        # a name of spaces is kept as "", a birthday in 2099 as given; no key, no consent
        "blank": (None, {"name": "   ", "phone": "139 0000 1111", "birthday": "2099-01-01"}),
        "wangfang": ("signup-wangfang", {
            "name": "王芳", "phone": "13900002222", "email": "WangFang@Example.com",
            "consent": {"sms": False, "email": True}}),
    }  # fmt: skip


def line(sku: str, category: str, quantity: int, price_fen: int) -> Body:
    return {"sku": sku, "category": category, "quantity": quantity, "unit_price_fen": price_fen}


def sales(cards: Mapping[str, str]) -> dict[str, tuple[str, Body]]:
    """Idempotency-Key: (store label, body) of each single sale, in the order posted."""
    zinc = {"card_number": cards["hanmeimei"], "receipt_no": "B-0004",
            "lines": [line("HP-ZINC-60", "health", 1, 8800)]}  # fmt: skip
    return {
        "A-0001": ("flagship", {"card_number": cards["lilei"], "receipt_no": "A-0001",
                                "lines": [line("HP-FISHOIL-60", "health", 2, 25800)]}),
        # crosses 100,000 fen: Li Lei becomes vip
        "A-0002": ("flagship", {"phone": "13800138000", "receipt_no": "A-0002",
                                "lines": [line("CS-SERUM-30", "cosmetics", 2, 39900)]}),
        "A-0003": ("flagship", {"card_number": cards["hanmeimei"], "receipt_no": "A-0003",
                                "lines": [line("HP-VITC-100", "health", 3, 6800),
                                          line("CS-MASK-5", "cosmetics", 2, 12900)]}),
        "B-0001": ("xuhui", {"phone": "+1 312 555 0147", "receipt_no": "B-0001",
                             "lines": [line("HP-COQ10-30", "health", 1, 19900)]}),
        # a till that invents a new request id per retry: one receipt, two sales
        "till-7f3a": ("xuhui", zinc),
        "till-9c1e": ("xuhui", zinc),
    }  # fmt: skip


def day_end_batch(cards: Mapping[str, str]) -> Body:
    """Xuhui's ``POST /purchases:batch``; one sale dated in the past, one by phone."""
    return {"sales": [
        {"idempotency_key": "B-0002", "receipt_no": "B-0002", "card_number": cards["oliver"],
         "purchased_at": "2026-01-14T09:30:00+08:00",
         "lines": [line("DG-TOOTH-2", "daily", 1, 9900)]},
        {"idempotency_key": "B-0003", "receipt_no": "B-0003", "phone": "139-0000-2222",
         "lines": [line("CS-LOTION", "cosmetics", 1, 15800)]},
    ]}  # fmt: skip


# one of A-0003's two masks (12,900 of 46,200 fen) goes back to the flagship store
RETURN = ("A-0003", "A-0003-R1", {"lines": [{"line_no": 2, "quantity": 1}]})
# Li Lei spends points himself (member token)
REDEMPTION = ("lilei", "redeem-lilei-1", {"points": 500, "reason": "兑换耳机"})


class Session:
    def __init__(self) -> None:
        self.client = httpx.Client(timeout=10)
        self.urls = {
            service: f"http://127.0.0.1:{os.environ.get(f'HUIYUAN_{service.upper()}_PORT', port)}"
            for service, port in PORTS.items()
        }
        self.huiyuan = str(Path(".venv/bin/huiyuan").resolve())

    def cli(self, *args: str) -> str:
        done = subprocess.run([self.huiyuan, *args], check=True, capture_output=True, text=True)
        return done.stdout.strip()

    def call(self, method: str, service: str, path: str, expect: int = 200, **kw: Any) -> Any:
        response = self.client.request(method, self.urls[service] + path, **kw)
        print(method, service, path, response.status_code, response.text[:160])
        if response.status_code != expect:
            sys.exit(f"expected {expect}")
        return response.json()


def until(check: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            sys.exit("timed out")
        time.sleep(0.3)


def main(out: Path) -> None:
    s = Session()
    admin = {"Authorization": "Bearer " + s.cli("token", "--role", "admin")}

    s.call("PUT", "loyalty", "/program/tiers", headers=admin, json=LADDER)
    s.call("PUT", "loyalty", "/program/earning-rule", headers=admin, json=RULE)

    stores: dict[str, dict[str, str]] = {}
    for label, name in STORES.items():
        lines = s.cli("store", "add", name).splitlines()
        stores[label] = {"id": lines[0].split()[1], "api_key": lines[1].rsplit(" ", 1)[1]}

    members: dict[str, dict[str, str]] = {}
    for label, (key, body) in signups({k: v["id"] for k, v in stores.items()}).items():
        headers = {**admin, **({"Idempotency-Key": key} if key else {})}
        members[label] = s.call("POST", "customer", "/members", 201, headers=headers, json=body)

    def account(label: str) -> Any:
        path = f"/members/{members[label]['id']}/loyalty"
        response = s.client.get(s.urls["loyalty"] + path, headers=admin)
        return response.json() if response.status_code == 200 else {}

    def credited(label: str, balance: int) -> bool:
        return bool(account(label).get("balance") == balance)

    for label in members:  # loyalty opens an account when it learns of a member
        until(functools.partial(lambda label: bool(account(label)), label))
    time.sleep(2)  # orders learns of members through a consumer of its own

    cards = {label: member["card_number"] for label, member in members.items()}
    purchases: dict[str, Any] = {}
    # after these keys, wait until loyalty has applied them, so tiers move as in a shop
    settled = {"A-0001": ("lilei", 516), "A-0002": ("lilei", 1314)}
    for key, (store, body) in sales(cards).items():
        headers = {"X-API-Key": stores[store]["api_key"], "Idempotency-Key": key}
        purchases[key] = s.call("POST", "orders", "/purchases", 201, headers=headers, json=body)
        if key in settled:
            until(functools.partial(credited, *settled[key]))
    batch = s.call("POST", "orders", "/purchases:batch", headers={
        "X-API-Key": stores["xuhui"]["api_key"]}, json=day_end_batch(cards))  # fmt: skip
    for result in batch["results"]:
        purchases[result["idempotency_key"]] = result["purchase"]

    until(functools.partial(credited, "hanmeimei", 462 + 88 + 88))
    sale_key, return_key, return_body = RETURN
    returned = s.call(
        "POST", "orders", f"/purchases/{purchases[sale_key]['id']}/returns", 201,
        headers={"X-API-Key": stores["flagship"]["api_key"], "Idempotency-Key": return_key},
        json=return_body)  # fmt: skip
    until(functools.partial(credited, "hanmeimei", 462 + 88 + 88 - 129))
    label, redemption_key, redemption_body = REDEMPTION
    member_token = s.cli("token", "--member", members[label]["id"])
    redeemed = s.call(
        "POST", "loyalty", f"/members/{members[label]['id']}/redemptions", 201,
        headers={"Authorization": f"Bearer {member_token}", "Idempotency-Key": redemption_key},
        json=redemption_body)  # fmt: skip

    time.sleep(5)  # messaging and analytics catch up
    final = {
        label: {
            "member": s.call("GET", "customer", f"/members/{m['id']}", headers=admin),
            "loyalty": account(label),
            "ledger": s.call("GET", "loyalty", f"/members/{m['id']}/ledger", headers=admin),
            "notifications": s.call(
                "GET", "messaging", f"/members/{m['id']}/notifications", headers=admin
            ),
            "summary": s.call("GET", "analytics", f"/members/{m['id']}/summary", headers=admin),
        }
        for label, m in members.items()
    }
    record = {
        "stores": stores,
        "purchases": {key: purchase["id"] for key, purchase in purchases.items()},
        "return_id": returned["id"],
        "redemption_id": redeemed["redemption_id"],
        "members": final,
        "kpis": s.call("GET", "analytics", "/kpis", headers=admin),
    }
    out.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    print(s.cli("inbox"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
