"""Seed 003's campaign KPIs over a cohort of members, with before, during and after
windows (``POST /cohorts/kpis``)."""
