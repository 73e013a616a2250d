"""The benchmark of the purchase pipeline: an open-model load generator, pgbench as the
machine's yardstick, and reports. Run it with ``make bench`` (see docs/performance.md)."""
