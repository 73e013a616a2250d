"""Test support: the real embedded PostgreSQL and broker, started once per test session."""
