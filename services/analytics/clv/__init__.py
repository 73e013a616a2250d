"""Customer lifetime value: BG/NBD and Gamma-Gamma fits as jobs, and a Markov chain over tiers."""
