"""Test support that needs nothing but shared/: events as a broker would hand them over."""
