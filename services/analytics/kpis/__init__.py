"""Key figures over all members (``GET /kpis``), computed from the facts on request."""
