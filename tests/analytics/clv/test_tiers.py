"""The Markov chain over tiers: by hand, and from loyalty's events through the API.

Three members over January and February 1985 (month starts 1 Jan, 1 Feb, 1 Mar, Shanghai):
M1 standard, vip from 20 Jan; M2 standard throughout; M3 vip, standard from 10 Feb.
Moves: standard→vip 1, standard→standard 2, vip→vip 2, vip→standard 1, so P = [[2/3, 1/3],
[1/3, 2/3]]. Member-months: standard M1 Jan 10,000, M2 Jan 0, M2 Feb 2,000 → m = 4,000;
vip M1 Feb 30,000, M3 Jan 20,000, M3 Feb 10,000 → m = 20,000. Undiscounted, H = 1:
V_standard = 4,000 + (2/3·4,000 + 1/3·20,000) = 13,333; V_vip = 20,000 + (1/3·4,000 +
2/3·20,000) = 34,667.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from services.analytics.clv.tiers import domain
from shared.db import Sessions
from shared.events import CloudEvent
from shared.events.loyalty import AccountOpened
from tests.analytics import events
from tests.analytics.conftest import ANALYST, PROBLEM, Feed, apply
from tests.stack import Stack, running


def test_values_by_hand() -> None:
    """P = [[0.8, 0.2], [0.3, 0.7]], m = [100, 20], d = 10 %, H = 1:
    V = m + P·m/1.1 = [100 + 84/1.1, 20 + 44/1.1] = [176.36, 60.00]."""
    got = domain.values([[0.8, 0.2], [0.3, 0.7]], [100.0, 20.0], 0.1, 1)
    assert got == pytest.approx([100 + 84 / 1.1, 60.0])
    assert domain.values([[1.0]], [50.0], 0.0, 3) == [200.0]
    assert domain.values([], [], 0.1, 3) == []  # no tier history yet


def test_no_moves_make_an_empty_chain() -> None:
    assert domain.estimate({}) == domain.Chain(states=(), transitions=(), moves=())


def test_the_matrix_is_the_counts_over_their_rows() -> None:
    chain = domain.estimate({("gold", "gold"): 3, ("gold", "silver"): 1, ("silver", "gold"): 0})
    assert chain.states == ("gold", "silver")
    assert chain.transitions[0] == (0.75, 0.25)
    assert chain.transitions[1] == (0.0, 1.0)  # nobody left silver: it stays put
    assert chain.moves == ((3, 1), (0, 0))


def _opened(member_id: uuid.UUID, tier: str, at: datetime) -> CloudEvent:
    payload = AccountOpened(
        account_id=uuid.uuid4(), member_id=member_id, tier_code=tier, tier_name=tier, opened_at=at
    )
    return CloudEvent.of(payload, source="/huiyuan/loyalty")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with running(stack.app("analytics")) as client:
        yield client


async def test_the_chain_from_loyaltys_events(
    client: httpx.AsyncClient, analytics_sessions: Sessions, handlers: Feed
) -> None:
    m1, m2, m3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await apply(
        analytics_sessions,
        handlers,
        _opened(m1, "standard", _utc("1984-12-15 02:00")),
        events.tier_changed(m1, "vip", _utc("1985-01-20 02:00")),
        events.purchase(m1, 10_000, _utc("1985-01-10 02:00")),
        events.purchase(m1, 30_000, _utc("1985-02-10 02:00")),
        _opened(m2, "standard", _utc("1984-12-20 02:00")),
        events.purchase(m2, 2_000, _utc("1985-02-28 16:30")),  # 00:30 on 1 March in Shanghai
        events.purchase(m2, 2_000, _utc("1985-02-27 02:00")),
        _opened(m3, "vip", _utc("1984-12-01 02:00")),
        events.tier_changed(m3, "standard", _utc("1985-02-10 02:00")),
        events.purchase(m3, 20_000, _utc("1985-01-05 02:00")),
        events.purchase(m3, 10_000, _utc("1985-02-01 02:00")),
    )
    answer = await client.get(
        "/clv/tiers",
        params={"from": "1985-01", "to": "1985-03", "annual_discount_rate": 0, "horizon": 1},
        headers=ANALYST,
    )
    assert answer.status_code == 200, answer.text
    states = {state["tier_code"]: state for state in answer.json()["states"]}
    assert set(states) == {"standard", "vip"}
    standard, vip = states["standard"], states["vip"]
    assert standard["transitions"] == pytest.approx({"standard": 2 / 3, "vip": 1 / 3}, abs=1e-6)
    assert vip["transitions"] == pytest.approx({"standard": 1 / 3, "vip": 2 / 3}, abs=1e-6)
    assert (standard["member_months"], standard["monthly_spend_fen"]) == (3, 4_000)
    assert (vip["member_months"], vip["monthly_spend_fen"]) == (3, 20_000)
    assert standard["clv_fen"] == 13_333
    assert vip["clv_fen"] == 34_667


@pytest.mark.parametrize(
    "params",
    [
        {"from": "1985-03", "to": "1985-01"},
        {"from": "1985-01", "to": "1985-01"},
        {"from": "1985-01", "to": "1999-01"},
        {"from": "2026-01", "to": "2099-01"},
    ],
)
async def test_a_bad_range_is_refused_naming_to(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    answer = await client.get("/clv/tiers", params=params, headers=ANALYST)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"][0]["location"] == "query.to"
