"""Many members' CLV at once against the loop it replaced, one expectation per time unit:
the same values over a grid of members, horizons and rates, x = 0 and extreme parameters
included, and in bounded memory."""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import hyp2f1

from services.analytics.clv import domain

CDNOW = domain.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)
MODELS = {
    "cdnow": CDNOW,
    "a-near-1": domain.BgNbd(r=1.0, alpha=20.0, a=1.0001, b=4.0),  # the head's pole
    "slow-buyers": domain.BgNbd(r=1e-5, alpha=1e5, a=50.0, b=1e-5),
    "fast-leavers": domain.BgNbd(r=500.0, alpha=0.01, a=1e-5, b=5e5),
}
RELATIVE = 1e-9


def _former_expected(
    model: domain.BgNbd, t: float, x: domain.Floats, t_x: domain.Floats, age: domain.Floats
) -> domain.Floats:
    """E[Y(t)] as it was computed, eq. 10 as written (no transform)."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    if t <= 0:
        return np.zeros_like(x)
    z = t / (alpha + age + t)
    ratio = np.exp((r + x) * np.log((alpha + age) / (alpha + age + t)))
    head = (a + b + x - 1) / (a - 1)
    body = 1.0 - ratio * hyp2f1(r + x, b + x, a + b + x - 1, z)
    safe = np.where(x > 0, b + x - 1, 1.0)
    odds = (a / safe) * np.exp((r + x) * np.log((alpha + age) / (alpha + t_x)))
    result: domain.Floats = head * body / (1.0 + np.where(x > 0, odds, 0.0))
    return result


def _by_unit(
    model: domain.BgNbd,
    spend: domain.Floats,
    members: tuple[domain.Floats, domain.Floats, domain.Floats],
    horizon: int,
    rate_per_unit: float,
) -> domain.Floats:
    """The former valuation: E[Y(t)] for every member, one unit t at a time, stacked."""
    x, t_x, age = members
    steps = np.arange(0, horizon + 1, dtype=np.float64)
    cumulative = np.stack([_former_expected(model, float(t), x, t_x, age) for t in steps])
    per_unit = np.diff(cumulative, axis=0)
    discounts = (1.0 + rate_per_unit) ** -steps[1:]
    result: domain.Floats = spend * np.sum(per_unit * discounts[:, np.newaxis], axis=0)
    return result


def _members(count: int, seed: int) -> tuple[domain.Floats, domain.Floats, domain.Floats]:
    """Summaries in weeks as the service makes them (whole days / 7), a third with x = 0,
    a few repeated."""
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 400, count) / 7
    x = np.where(rng.random(count) < 1 / 3, 0, rng.integers(1, 60, count)).astype(np.float64)
    t_x = np.where(x > 0, np.floor(rng.random(count) * age * 7) / 7, 0.0)
    return x, t_x, age


def _same(got: domain.Floats, expected: domain.Floats) -> None:
    assert np.array_equal(np.isfinite(got), np.isfinite(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(got[finite], expected[finite], rtol=RELATIVE, atol=0)


@pytest.mark.parametrize(
    ("name", "horizon", "rate"),
    list(itertools.product(MODELS, [1, 2, 52, 365, 3650], [0.0, 0.0018, 0.5])),
)
def test_the_values_are_the_former_loops(name: str, horizon: int, rate: float) -> None:
    model = MODELS[name]
    x, t_x, age = _members(max(10, 10_000 // horizon), seed=horizon)
    spend = np.linspace(0.0, 1e6, x.size)
    with np.errstate(all="ignore"):
        expected = _by_unit(model, spend, (x, t_x, age), horizon, rate)
        got = domain.lifetime_values(model, spend, (x, t_x, age), horizon, rate)
    _same(got, expected)


def test_members_valued_in_chunks_are_valued_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 3 members at horizon 52 (the bound at 160 elements) change no value."""
    x, t_x, age = _members(50, seed=3)
    spend = np.full(x.size, 2500.0)
    whole = domain.lifetime_values(CDNOW, spend, (x, t_x, age), 52, 0.0018)
    monkeypatch.setattr(domain, "CHUNK_ELEMENTS", 160)
    _same(domain.lifetime_values(CDNOW, spend, (x, t_x, age), 52, 0.0018), whole)
    alone = [
        domain.lifetime_value(CDNOW, 2500.0, (x[n], t_x[n], age[n]), 52, 0.0018)
        for n in range(x.size)
    ]
    _same(np.array(alone), whole)


parameter = st.floats(min_value=1e-4, max_value=1e4)


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(parameter, parameter, parameter, parameter),
    st.lists(
        st.tuples(st.integers(0, 100), st.integers(0, 2000), st.integers(0, 2000)),
        min_size=1,
        max_size=20,
    ),
    st.integers(min_value=1, max_value=400),
    st.floats(min_value=0, max_value=0.05),
)
def test_any_estimates_value_members_as_the_former_loop(
    estimates: tuple[float, float, float, float],
    summaries: list[tuple[int, int, int]],
    horizon: int,
    rate: float,
) -> None:
    model = domain.BgNbd(*estimates)
    x = np.array([float(s[0]) for s in summaries])
    age = np.array([max(s[1], s[2]) / 7 for s in summaries])
    t_x = np.where(x > 0, np.array([min(s[1], s[2]) / 7 for s in summaries]), 0.0)
    spend = np.full(x.size, 1000.0)
    with np.errstate(all="ignore"):
        expected = _by_unit(model, spend, (x, t_x, age), horizon, rate)
        got = domain.lifetime_values(model, spend, (x, t_x, age), horizon, rate)
    _same(got, expected)


def test_the_memory_held_is_bounded_by_the_chunk_whatever_the_members(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A million (units x members) held in chunks of 20,000: the peak is a few chunks,
    not the grid (8 MB a copy, the former valuation held several)."""
    monkeypatch.setattr(domain, "CHUNK_ELEMENTS", 20_000, raising=False)
    x, t_x, age = _members(2_000, seed=7)
    spend = np.full(x.size, 2500.0)
    tracemalloc.start()
    try:
        domain.lifetime_values(CDNOW, spend, (x, t_x, age), 500, 0.0018)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 20_000 * 8
