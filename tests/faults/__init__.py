"""Fault injection: the whole system under load while its parts are killed and restarted.

``python -m tests.faults --seed N`` runs a schedule; ``test_short_run.py`` runs a short
one in every ``make test``. See docs/reliability.md.
"""
