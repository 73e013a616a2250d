"""Referrals (老带新): who brought whom, and (next) the referrer's reward."""
