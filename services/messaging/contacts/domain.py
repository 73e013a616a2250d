"""Pure rules of the contact copy: where a channel reaches a member."""

from __future__ import annotations

from dataclasses import dataclass

from shared.events.messaging import Channel


@dataclass(frozen=True)
class Reach:
    """Whether and where one channel reaches a member."""

    consent: bool
    address: str | None
    """A phone number or an email address; ``None`` when there is none."""


@dataclass(frozen=True)
class ContactCard:
    """What a message needs to know about its member, decrypted for the moment it is used."""

    name: str
    locale: str
    sms: Reach
    email: Reach

    def reach(self, channel: Channel) -> Reach:
        return self.email if channel == "email" else self.sms
