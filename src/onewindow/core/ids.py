"""Time-ordered UUIDs (RFC 9562 version 7).

Public identifiers of registry rows are UUIDs so that URLs reveal nothing and cannot be
enumerated; version 7 keeps them in creation order, so inserting millions of rows appends to
the end of the unique index instead of splitting pages all over it. Python 3.11's `uuid`
module has no `uuid7`, hence these few lines.
"""

import os
import time
import uuid


def uuid7(timestamp_ms: int | None = None) -> uuid.UUID:
    """A new version-7 UUID: 48-bit Unix milliseconds, then 74 random bits."""
    ms = time.time_ns() // 1_000_000 if timestamp_ms is None else timestamp_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return uuid.UUID(int=value)
