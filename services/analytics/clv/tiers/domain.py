"""Markov-chain customer lifetime value over states (tiers), pure.

A member's state at the start of each period moves to the next period's state with the
transition matrix ``P`` (row: from, column: to; rows sum to 1), and a member in state ``j``
contributes ``m_j`` in a period. The value of a member starting in each state, over periods
``t = 0 .. H`` discounted at ``d`` per period, is

    V = Σ_{t=0..H} (P / (1 + d))^t · m

(Pfeifer & Carraway 2000, "Modeling customer relationships as Markov chains", Journal of
Interactive Marketing 14(2)). Seed 000's exercise (客户终生价值 by 转换矩阵: brands A, B, C,
a month per period, t = 0 and 1, r = 10 %, a contribution of 300 per purchase) is this sum
with H = 1 applied to the shares of spend (S_t = S_0 · P^t); its matrix is not in the seed,
so its answers cannot be checked here. ``P`` is estimated by counting the members' moves
between consecutive period starts (maximum likelihood for a Markov chain: the counts of
each row over the row's total).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Chain:
    states: tuple[str, ...]
    """The states in the matrix's order."""
    transitions: tuple[tuple[float, ...], ...]
    """P[i][j]: the probability of moving from ``states[i]`` to ``states[j]`` in a period;
    a state nobody left from stays put (its row is the identity's)."""
    moves: tuple[tuple[int, ...], ...]
    """The counts P was estimated from."""


def estimate(moves: Mapping[tuple[str, str], int]) -> Chain:
    """The chain from ``{(from, to): members}`` counted over consecutive periods."""
    states = tuple(sorted({state for pair in moves for state in pair}))
    index = {state: i for i, state in enumerate(states)}
    counts = np.zeros((len(states), len(states)), dtype=np.int64)
    for (origin, target), count in moves.items():
        counts[index[origin], index[target]] += count
    totals = counts.sum(axis=1, keepdims=True)
    identity = np.eye(len(states))
    matrix = np.where(totals > 0, counts / np.maximum(totals, 1), identity)
    return Chain(
        states=states,
        transitions=tuple(tuple(float(p) for p in row) for row in matrix),
        moves=tuple(tuple(int(c) for c in row) for row in counts),
    )


def values(
    transitions: Sequence[Sequence[float]],
    contribution: Sequence[float],
    rate: float,
    horizon: int,
) -> list[float]:
    """V = Σ_{t=0..horizon} (P/(1+rate))^t · m, one value per state (in ``contribution``'s
    unit, e.g. fen); none without states (no tier history in the range)."""
    if not contribution:
        return []
    step = np.asarray(transitions, dtype=np.float64) / (1.0 + rate)
    term = np.asarray(contribution, dtype=np.float64)
    total = term.copy()
    for _ in range(horizon):
        term = step @ term
        total += term
    return [float(v) for v in total]
