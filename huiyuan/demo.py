"""``huiyuan demo``: a small brand set up through the public APIs, as an operator would.

The seeds' four-tier ladder, one earning rule, a catalog of three categories and six
products (loaded from CSV), two stores, twenty members and a hundred purchases.
Everything goes through HTTP, so the demo also shows the APIs at work.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from huiyuan.config import StackSettings
from huiyuan.devkeys import cli_token

DEMO_LADDER: list[dict[str, Any]] = [
    {"code": "standard", "name": "普通会员", "threshold_fen": 0},
    {"code": "vip", "name": "VIP贵宾", "threshold_fen": 100_000},
    {"code": "star", "name": "VIP健康之星", "threshold_fen": 500_000},
    {"code": "angel", "name": "VIP健康天使", "threshold_fen": 2_000_000},
]
DEMO_EARNING_RULE: dict[str, Any] = {
    "points_per_yuan": 1,
    "tier_multipliers_percent": {"standard": 100, "vip": 120, "star": 150, "angel": 200},
}
CATEGORIES = {"health": "保健品", "cosmetics": "化妆品", "daily": "日用品"}
CATALOG: list[tuple[str, str, int, str]] = [
    ("HP-VC-100", "health", 12_800, "维生素C 100片"),
    ("HP-FISHOIL-60", "health", 25_800, "深海鱼油 60粒"),
    ("CS-SERUM-30", "cosmetics", 39_900, "精华液 30ml"),
    ("CS-CREAM-50", "cosmetics", 18_800, "面霜 50g"),
    ("DG-TOOTHPASTE", "daily", 1_990, "草本牙膏"),
    ("DG-SHAMPOO", "daily", 4_590, "洗发水"),
]
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰"]

Say = Callable[[str], None]


@dataclass
class DemoResult:
    members: int
    purchases: int
    revenue_fen: int


def checked(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url} -> "
            f"{response.status_code}: {response.text}"
        )
    body: dict[str, Any] = response.json()
    return body


def run_demo(
    settings: StackSettings,
    say: Say,
    members: int = 20,
    purchases: int = 100,
    seed: int | None = None,
) -> DemoResult:
    """Loads the demo; each run without ``seed`` adds members with phone numbers of their
    own, so running it again adds to the brand instead of stopping at a registered phone."""
    rng = random.Random(seed)
    admin = {"Authorization": "Bearer " + cli_token(settings, "admin", subject="demo")}
    urls = settings.urls
    with httpx.Client(timeout=10.0) as http:
        checked(http.put(f"{urls['loyalty']}/program/tiers", json=DEMO_LADDER, headers=admin))
        checked(
            http.put(
                f"{urls['loyalty']}/program/earning-rule", json=DEMO_EARNING_RULE, headers=admin
            )
        )
        say("Tier ladder: " + " → ".join(tier["name"] for tier in DEMO_LADDER))
        _load_catalog(http, urls["orders"], admin)
        say(f"Catalog: {len(CATEGORIES)} categories, {len(CATALOG)} products")
        store_keys = []
        for name in ("旗舰店 Flagship", "合作药房 Partner pharmacy"):
            store = checked(
                http.post(f"{urls['orders']}/stores", json={"name": name}, headers=admin)
            )
            store_keys.append(store["api_key"])
        say("Stores: 2")
        member_ids = []
        for index in range(members):
            body = {
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
                "phone": f"13{rng.randrange(10**9):09d}",
                "email": f"member{index}.{uuid.uuid4().hex[:6]}@example.com",
                "locale": "zh-CN" if index % 4 else "en",
                "consent": {"sms": True, "email": True},
            }
            created = checked(
                http.post(
                    f"{urls['customer']}/members",
                    json=body,
                    headers={**admin, "Idempotency-Key": uuid.uuid4().hex},
                )
            )
            member_ids.append(created["id"])
        say(f"Members: {len(member_ids)}")
        revenue = 0
        for _ in range(purchases):
            lines = [
                {
                    "sku": sku,
                    "category": category,
                    "quantity": rng.randint(1, 3),
                    "unit_price_fen": price,
                }
                for sku, category, price, _ in rng.sample(CATALOG, rng.randint(1, 3))
            ]
            sale: dict[str, Any] = {"member_id": rng.choice(member_ids), "lines": lines}
            headers = {"X-API-Key": rng.choice(store_keys), "Idempotency-Key": uuid.uuid4().hex}
            revenue += _post_purchase(http, f"{urls['orders']}/purchases", sale, headers)[
                "total_fen"
            ]
        say(f"Purchases: {purchases}, revenue ¥{revenue / 100:,.2f}")
    return DemoResult(len(member_ids), purchases, revenue)


def _load_catalog(http: httpx.Client, orders: str, admin: dict[str, str]) -> None:
    """The categories the catalog lacks, then the products as a CSV file, as a brand would
    load a spreadsheet (a product already there is left as it is, unless it differs)."""
    tree = checked(http.get(f"{orders}/catalog/categories", headers=admin))
    known = {category["code"] for category in tree["items"]}
    for code, name in CATEGORIES.items():
        if code not in known:
            body = {"code": code, "name": name}
            checked(http.post(f"{orders}/catalog/categories", json=body, headers=admin))
    checked(
        http.post(
            f"{orders}/catalog/products:import",
            content=catalog_csv(),
            headers={**admin, "Content-Type": "text/csv"},
        )
    )


def catalog_csv() -> bytes:
    """:data:`CATALOG` as a CSV file ``POST /catalog/products:import`` takes."""
    rows = "".join(f"{sku},{name},{category},{fen}\r\n" for sku, category, fen, name in CATALOG)
    return ("sku,name,category,list_price_fen\r\n" + rows).encode()


def _post_purchase(
    http: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """Orders learns of new members from events; right after registering, wait for it.

    Each try before then is a member lookup that misses, and orders allows a store 50 of
    those an hour (``ORDERS_MEMBER_MISSES_PER_STORE``): the waits double up to 2 s, so a
    member who takes the whole 15 s to arrive costs about a dozen."""
    deadline = time.monotonic() + 15
    pause = 0.2
    while True:
        response = http.post(url, json=body, headers=headers)
        if response.status_code != 422 or time.monotonic() > deadline:
            return checked(response)
        time.sleep(pause)
        pause = min(2.0, pause * 2)
