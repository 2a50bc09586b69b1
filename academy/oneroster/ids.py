"""OneRoster sourcedIds: stable strings that never reuse a number and do not show our key order.

A primary key is passed through a keyed Feistel permutation of 48 bits (four
HMAC-SHA256 rounds) and written in base 32 after a type prefix, e.g.
`enr-k3v9q2m1xa`. The mapping is a bijection, so decoding needs no table;
without the key neighbouring keys give unrelated ids. The key is
`ONEROSTER_ID_KEY` (falling back to one derived from SECRET_KEY): it must never
change once ids have been handed out."""

import base64
import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

HALF = 24
MASK = (1 << HALF) - 1
ROUNDS = 4
LIMIT = 1 << (2 * HALF)


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"xiaoge:oneroster-sourcedid:v1", hashlib.sha256).digest()


def _round(key: bytes, number: int, value: int) -> int:
    digest = hmac.new(key, bytes([number]) + value.to_bytes(3, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:3], "big")


def _secret() -> bytes:
    return _key(getattr(settings, "ONEROSTER_ID_KEY", "") or settings.SECRET_KEY)


def encode(prefix: str, pk: int) -> str:
    if not 0 < pk < LIMIT:
        raise ValueError(pk)
    key = _secret()
    left, right = pk >> HALF, pk & MASK
    for number in range(ROUNDS):
        left, right = right, left ^ _round(key, number, right)
    token = base64.b32encode(((left << HALF) | right).to_bytes(6, "big")).decode().rstrip("=").lower()
    return f"{prefix}-{token}"


def decode(prefix: str, sourced_id: str) -> int | None:
    """The primary key behind a sourcedId of this type, or None for anything else."""
    head, _, token = sourced_id.partition("-")
    if head != prefix or len(token) != 10:
        return None
    try:
        value = int.from_bytes(base64.b32decode(token.upper() + "======"), "big")
    except (ValueError, TypeError):
        return None
    key = _secret()
    left, right = value >> HALF, value & MASK
    for number in reversed(range(ROUNDS)):
        left, right = right ^ _round(key, number, left), left
    pk = (left << HALF) | right
    # Only the canonical spelling names a record (base 32 leaves spare bits in the last letter).
    return pk if pk and encode(prefix, pk) == sourced_id else None
