"""Digests: a brand's ``daily_digest`` points message, one per member and brand day
summing the day's points, sent by a daily job once the day is over."""
