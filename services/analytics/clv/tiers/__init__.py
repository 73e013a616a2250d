"""Markov-chain CLV over loyalty tiers: transitions estimated from the tier history."""
