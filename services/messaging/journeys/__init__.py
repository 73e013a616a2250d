"""Journeys: scheduled marketing messages (a welcome after the first purchase, birthday and
holiday greetings, win-back) as due work in messaging's own schema."""
