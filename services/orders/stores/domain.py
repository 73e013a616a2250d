"""What a store is allowed to be."""

MAX_STORE_NAME = 100
"""Longest store name, in characters."""
