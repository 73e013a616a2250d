"""Queries of tiers: standings and assignments, the policy, qualifying purchases."""
