"""Pure rules of opt-outs: the signed unsubscribe token, the List-Unsubscribe headers,
and which SMS replies mean "stop"."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import unicodedata
import uuid
from dataclasses import dataclass

from shared.events.messaging import Channel, MessageClass

_CHANNELS: dict[Channel, bytes] = {"sms": b"s", "email": b"e"}
_CLASSES: dict[MessageClass, bytes] = {"marketing": b"m", "transactional": b"t"}
_MAC_BYTES = 16
_PAYLOAD_BYTES = 16 + 1 + 1
_CONTEXT = b"huiyuan/unsubscribe/v1/"

OPT_OUT_REPLIES = frozenset({"t", "td", "退订", "n", "stop", "unsubscribe"})
"""Replies that opt the sender out of marketing SMS (回T退订, carriers' usual words),
compared after :func:`normalized_reply`."""
_TRIMMED = " \t\r\n.,!?;:。，！？；："


@dataclass(frozen=True)
class Unsubscription:
    """What an unsubscribe token names: no address, no name."""

    member_id: uuid.UUID
    channel: Channel
    message_class: MessageClass


def sign_token(key: bytes, unsubscription: Unsubscription) -> str:
    """A URL-safe token (46 characters) naming the member, channel and class, with a
    truncated HMAC-SHA256 (128 bits) under ``key``."""
    payload = (
        unsubscription.member_id.bytes
        + _CHANNELS[unsubscription.channel]
        + _CLASSES[unsubscription.message_class]
    )
    return _b64(payload + _mac(key, payload))


def read_token(key: bytes, token: str) -> Unsubscription | None:
    """What ``token`` names, or ``None`` if it is malformed or not signed with ``key``."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    payload, mac = raw[:_PAYLOAD_BYTES], raw[_PAYLOAD_BYTES:]
    if len(raw) != _PAYLOAD_BYTES + _MAC_BYTES or _b64(raw) != token:  # one spelling per token
        return None
    if not hmac.compare_digest(mac, _mac(key, payload)):
        return None
    channel = next((c for c, code in _CHANNELS.items() if code == payload[16:17]), None)
    kind = next((k for k, code in _CLASSES.items() if code == payload[17:18]), None)
    if channel is None or kind is None:
        return None
    return Unsubscription(uuid.UUID(bytes=payload[:16]), channel, kind)


def list_unsubscribe_headers(url_template: str, mailto: str, token: str) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers offering one-click unsubscribe by ``token``:
    the HTTPS link (``{token}`` in ``url_template`` replaced) and a mailto fallback."""
    url = url_template.replace("{token}", token)
    return {
        "List-Unsubscribe": f"<{url}>, <mailto:{mailto}?subject=unsubscribe%20{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def normalized_reply(text: str) -> str:
    """An SMS reply as compared with :data:`OPT_OUT_REPLIES`: full-width letters folded
    (NFKC: ｔｄ → td), trimmed of spaces and punctuation, case-folded."""
    return unicodedata.normalize("NFKC", text).strip(_TRIMMED).casefold()


def is_opt_out_reply(text: str) -> bool:
    return normalized_reply(text) in OPT_OUT_REPLIES


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _CONTEXT + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
