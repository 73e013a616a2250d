"""Consent records: per channel, when consent was given or withdrawn, by whom, under which
privacy-policy version."""
