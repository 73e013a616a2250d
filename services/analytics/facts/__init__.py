"""The read models analytics folds every event into: purchase and return facts, each
member's counters and tier, and notification counts.

The kernel of analytics: only this package writes its tables; ``kpis`` and ``members``
read them.
"""
