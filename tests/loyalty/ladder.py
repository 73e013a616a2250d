"""The seeds' ladder as domain rungs, for pure tests."""

from services.loyalty.program.domain import Rung

RUNGS = [
    Rung("standard", "普通会员", 0),
    Rung("vip", "VIP贵宾", 100_000),
    Rung("star", "VIP健康之星", 500_000),
    Rung("angel", "VIP健康天使", 2_000_000),
]
