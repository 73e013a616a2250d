"""Referrals as analytics sees them: the seed's referral rate (老带新)."""
