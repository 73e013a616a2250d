"""Coupons about to expire: each announced once, its definition's notice days ahead."""
