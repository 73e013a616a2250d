"""The probabilistic CLV models' rules, pure: a member's repeat-purchase summary, the BG/NBD
and Gamma-Gamma likelihoods and expectations, and the discounted lifetime value.

Sources: Fader, Hardie & Lee (2005), "Counting Your Customers" the Easy Way: An Alternative
to the Pareto/NBD Model, Marketing Science 24(2) (BG/NBD: equations 6, 10 and 13 and the
P(alive) of its appendix); Fader, Hardie & Lee (2005), RFM and CLV: Using Iso-Value Curves
for Customer Base Analysis, Journal of Marketing Research 42(4) (Gamma-Gamma spend,
equation 5 and its conditional expectation). The notation is theirs: ``r``, ``alpha``,
``a``, ``b``; ``p``, ``q``, ``gamma``; ``x`` repeat purchases, ``t_x`` the time of the last,
``T`` the member's age, all in one time unit (a day or a week).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import betaln, gammaln, hyp2f1

TimeUnit = Literal["day", "week"]
Floats = NDArray[np.float64]

DAYS_PER_UNIT: dict[TimeUnit, int] = {"day": 1, "week": 7}
DAYS_PER_YEAR = 365.0
MIN_MEMBERS = 10
"""Fewer members than this in a calibration period give no fit (``fit-data-insufficient``)."""
MIN_REPEATERS = 2
"""Nor do fewer members with a repeat purchase: spend is fitted on them."""


@dataclass(frozen=True)
class PurchaseHistory:
    """One member's repeat-purchase summary over a calibration period, in days.

    ``frequency`` counts repeat purchase days: days with a purchase after the first (several
    purchases on one day are one); ``recency_days`` is the last purchase day minus the first;
    ``age_days`` the calibration end minus the first purchase day. ``monetary_fen`` is the
    mean net amount of the repeat days (the first purchase excluded), 0 without repeats.
    """

    frequency: int
    recency_days: int
    age_days: int
    monetary_fen: float


def history(days: dict[date, int], calibration_end: date) -> PurchaseHistory | None:
    """The summary of a member's purchase days (``{day: net fen}``, the brand's days) up to
    ``calibration_end`` included; None when the member had not bought by then. This is the
    definition the repository's SQL computes for every member at once (tested against it)."""
    held = sorted(day for day in days if day <= calibration_end)
    if not held:
        return None
    repeats = held[1:]
    return PurchaseHistory(
        frequency=len(repeats),
        recency_days=(held[-1] - held[0]).days,
        age_days=(calibration_end - held[0]).days,
        monetary_fen=sum(days[day] for day in repeats) / len(repeats) if repeats else 0.0,
    )


def in_units(days: float, unit: TimeUnit) -> float:
    return days / DAYS_PER_UNIT[unit]


def units_per_year(unit: TimeUnit) -> float:
    return DAYS_PER_YEAR / DAYS_PER_UNIT[unit]


@dataclass(frozen=True)
class BgNbd:
    """BG/NBD parameters: purchase rates ~ Gamma(r, alpha), dropout ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def _dropout_term(self, x: Floats, t_x: Floats, age: Floats) -> Floats:
        """δ(x>0) · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x), the odds of having dropped out."""
        safe = np.where(x > 0, self.b + x - 1, 1.0)
        term = (self.a / safe) * np.exp(
            (self.r + x) * np.log((self.alpha + age) / (self.alpha + t_x))
        )
        return np.where(x > 0, term, 0.0)

    def log_likelihood(self, x: Floats, t_x: Floats, age: Floats) -> float:
        """The sum over members of FHL 2005 equation 6's log (CDNOW: -9582.4)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        common = gammaln(r + x) - gammaln(r) + r * math.log(alpha)
        stay = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + age)
        drop = np.where(
            x > 0,
            betaln(a + 1, np.maximum(b + x - 1, 1e-12))
            - betaln(a, b)
            - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
        return float(np.sum(common + np.logaddexp(stay, drop)))

    def p_alive(self, x: Floats, t_x: Floats, age: Floats) -> Floats:
        """P(alive | x, t_x, T): 1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))."""
        result: Floats = 1.0 / (1.0 + self._dropout_term(x, t_x, age))
        return result

    def expected_purchases(self, t: float, x: Floats, t_x: Floats, age: Floats) -> Floats:
        """E[Y(t) | x, t_x, T]: repeat purchases expected in the next ``t`` units (eq. 10):
        ``scale · (1 - remaining)``, see :meth:`scale` and :meth:`remaining`."""
        if t <= 0:
            return np.zeros_like(x)
        head = (self.a + self.b + x - 1) / (self.a - 1)
        body = 1.0 - self.remaining(np.array([[t]]), x, age)[0]
        result: Floats = head * body / (1.0 + self._dropout_term(x, t_x, age))
        return result

    def scale(self, x: Floats, t_x: Floats, age: Floats) -> Floats:
        """Eq. 10's factor that does not depend on t: (a+b+x-1)/(a-1) · P(alive)."""
        result: Floats = (self.a + self.b + x - 1) / (self.a - 1) * self.p_alive(x, t_x, age)
        return result

    def remaining(self, steps: Floats, x: Floats, age: Floats) -> Floats:
        """Eq. 10's factor that does: ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x-1; t/(α+T+t))
        for each of ``steps`` t (a column, shape (S, 1)) and each member (x, T of shape
        (M,)), an (S, M) grid; 1 at t = 0. It depends on x and T only, not t_x."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        start = alpha + age
        z = steps / (start + steps)
        ratio = np.exp((r + x) * np.log(start / (start + steps)))
        result: Floats = ratio * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return result


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma spend parameters: per-purchase spend ~ Gamma(p, ν), ν ~ Gamma(q, γ)."""

    p: float
    q: float
    gamma: float

    def log_likelihood(self, x: Floats, mean_spend: Floats) -> float:
        """The sum over repeat buyers (x > 0) of the log of FHL 2005 (JMR) equation 5."""
        p, q, g = self.p, self.q, self.gamma
        px = p * x
        terms = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * math.log(g)
            + (px - 1) * np.log(mean_spend)
            + px * np.log(x)
            - (px + q) * np.log(g + mean_spend * x)
        )
        return float(np.sum(terms))

    def expected_spend(self, x: Floats, mean_spend: Floats) -> Floats:
        """E[Z | x, z̄]: (γ + x z̄) p / (p x + q - 1); the population mean pγ/(q-1) at x = 0.
        Needs q > 1 (else spend has no mean)."""
        result: Floats = (self.gamma + mean_spend * x) * self.p / (self.p * x + self.q - 1)
        return result


@dataclass(frozen=True)
class Estimates:
    """What a fit finds: the purchase and the spend model (``gamma`` in fen)."""

    purchases: BgNbd
    spend: GammaGamma


class FitFailed(Exception):
    """A fit that cannot be made from its data; it is recorded ``failed`` with the reason."""


class NotEnoughData(FitFailed):
    """Too few members, or repeat buyers, in the calibration period to fit on."""


def check_sample(members: int, repeaters: int) -> None:
    """Raises :class:`NotEnoughData` below ``MIN_MEMBERS`` members or ``MIN_REPEATERS``
    repeat buyers."""
    if members < MIN_MEMBERS or repeaters < MIN_REPEATERS:
        raise NotEnoughData(
            f"{members} members bought by the calibration end, {repeaters} of them again: "
            f"a fit needs at least {MIN_MEMBERS} and {MIN_REPEATERS}"
        )


BOUNDS = (1e-6, 1e6)
"""Estimates outside these are a likelihood maximised at its border, not a fit."""


def check_estimates(estimates: Estimates) -> None:
    """Raises :class:`FitFailed` when an estimate is not finite or diverges out of
    ``BOUNDS``: on data with no visible heterogeneity (e.g. everyone buying at the same
    pace, nobody lapsing) BG/NBD's likelihood grows towards r, α → ∞ (a Poisson process)
    or a → 0 (no dropout), and its expectations are then meaningless. The spend model's
    ``gamma`` is in fen, so it is checked after dividing by 100."""
    bg, gg = estimates.purchases, estimates.spend
    named = {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b}
    named |= {"p": gg.p, "q": gg.q, "gamma (yuan)": gg.gamma / 100}
    low, high = BOUNDS
    odd = [f"{name} = {value:.4g}" for name, value in named.items() if not low < value < high]
    if odd:
        raise FitFailed(
            f"the estimates diverge ({', '.join(odd)}): the data show too little "
            "heterogeneity to fit; take more members or a longer calibration period"
        )


def window_problem(calibration_end: date, holdout_end: date | None, today: date) -> str | None:
    """Why a fit's periods are refused (the field first: ``calibration_end`` or
    ``holdout_end``), None when they are closed past periods of the brand."""
    if calibration_end >= today:
        return f"calibration_end: {calibration_end} is not before today ({today})"
    if holdout_end is not None and holdout_end <= calibration_end:
        return f"holdout_end: {holdout_end} is not after calibration_end ({calibration_end})"
    if holdout_end is not None and holdout_end >= today:
        return f"holdout_end: {holdout_end} is not before today ({today})"
    return None


def discount_per_unit(annual_rate: float, unit: TimeUnit) -> float:
    """The rate per time unit equivalent to ``annual_rate`` (compounded): 10 % a year is
    0.1834 % a week."""
    return float((1.0 + annual_rate) ** (1.0 / units_per_year(unit)) - 1.0)


def lifetime_value(
    model: BgNbd,
    spend: float,
    member: tuple[float, float, float],
    horizon: int,
    rate_per_unit: float,
) -> float:
    """CLV over ``horizon`` units: Σ_{i=1..H} spend · (E[Y(i)] - E[Y(i-1)]) / (1+d)^i, each
    unit's expected purchases at the expected spend, discounted to today (the discrete
    form of FHL 2005 (JMR) equation 2; ``member`` is (x, t_x, T))."""
    x, t_x, age = (np.array([value]) for value in member)
    return float(
        lifetime_values(model, np.array([spend]), (x, t_x, age), horizon, rate_per_unit)[0]
    )


CHUNK_ELEMENTS = 1_000_000
"""The most (time units x (x, T) pairs) a valuation holds at once: 8 MB per temporary."""


def lifetime_values(
    model: BgNbd,
    spend: Floats,
    members: tuple[Floats, Floats, Floats],
    horizon: int,
    rate_per_unit: float,
) -> Floats:
    """:func:`lifetime_value` of many members at once: ``spend`` and the arrays of
    ``members`` (x, t_x, T) side by side, a float per member (nan or inf where the
    estimates give no finite value). Pure CPU, no I/O.

    E[Y(i)] - E[Y(i-1)] is ``scale · (remaining(i-1) - remaining(i))`` (:meth:`BgNbd.scale`),
    and ``remaining`` depends on (x, T) alone: its discounted sum over the units is computed
    once per distinct (x, T) pair (whole days make few: at most the calibration's days per
    x), a chunk of pairs at a time, each a (``horizon`` x chunk) grid of about
    :data:`CHUNK_ELEMENTS` floats, so memory stays bounded whatever the count."""
    x, t_x, age = members
    if horizon < 1:
        return np.zeros_like(x)
    pairs, member_pair = np.unique(np.stack([x, age]), axis=1, return_inverse=True)
    steps = np.arange(1, horizon + 1, dtype=np.float64)[:, np.newaxis]
    discounts = (1.0 + rate_per_unit) ** -steps
    discounted = np.empty(pairs.shape[1])
    width = max(1, CHUNK_ELEMENTS // horizon)
    for start in range(0, discounted.size, width):
        part = slice(start, start + width)
        remaining = model.remaining(steps, pairs[0, part], pairs[1, part])
        # remaining(0) = 1: nothing is bought yet
        per_unit = -np.diff(remaining, axis=0, prepend=1.0)
        discounted[part] = np.sum(per_unit * discounts, axis=0)
    result: Floats = spend * model.scale(x, t_x, age) * discounted[member_pair.reshape(-1)]
    return result
