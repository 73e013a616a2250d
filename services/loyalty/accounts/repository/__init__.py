"""Queries of the points kernel: accounts and their holders (:mod:`.accounts`), the ledger's
movements (:mod:`.movements`); point lots are :mod:`services.loyalty.accounts.lots.repository`.
Only the kernel's service calls them."""
