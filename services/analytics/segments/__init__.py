"""Saved segments other services use: definitions, materialised membership, runs."""
