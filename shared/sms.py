"""How long an SMS is: its encoding, its parts (segments) and the text a phone shows.

One kernel for the messaging service (a template's preview and cost) and the local SMS
gateway (what it charges), so the two never disagree. The GSM 03.38 alphabet comes from
the ``gsm0338`` codec: text it encodes goes as GSM-7, where a character of the alphabet's
extension table (``{ } [ ] ~ \\ | ^ €``) costs two septets; any other character makes the
whole message UCS-2, counted in UTF-16 code units (an emoji is two).

=========  ===========  ======================
encoding   one part     each part when split
=========  ===========  ======================
GSM-7      160 septets  153 (7 hold the header)
UCS-2      70 units     67 (3 hold the header)
=========  ===========  ======================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import gsm0338

Encoding = Literal["GSM-7", "UCS-2"]

_LIMITS: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}
_GSM = gsm0338.Codec()


@dataclass(frozen=True)
class Length:
    """An SMS's encoding, its length in that encoding's units (septets or UTF-16 code
    units) and how many parts a phone network carries it in."""

    encoding: Encoding
    units: int
    segments: int


def length(text: str) -> Length:
    """The encoding, units and segments of ``text`` as the phone receives it (signature
    included: see :func:`as_received`). An empty text is one (empty) part."""
    try:
        encoding: Encoding = "GSM-7"
        units = len(_GSM.encode(text)[0])
    except UnicodeEncodeError:
        encoding, units = "UCS-2", len(text.encode("utf-16-le")) // 2
    single, part = _LIMITS[encoding]
    return Length(encoding, units, 1 if units <= single else -(-units // part))


def segments(text: str) -> int:
    """How many parts ``text`` is carried in (and charged for)."""
    return length(text).segments


def as_received(sign: str, text: str) -> str:
    """The text a phone shows: the brand's signature in 【】 before it, as Chinese
    carriers require and providers prepend to the text they are sent."""
    return f"【{sign}】{text}"
