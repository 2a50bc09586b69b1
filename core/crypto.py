"""Encryption at rest and keyed lookup hashes for sensitive values (resident ID numbers).

The value is encrypted with Fernet (AES-128-CBC + HMAC) under FIELD_ENCRYPTION_KEY.
Equality lookups use an HMAC-SHA256 of the value under a key derived from the
same secret, so the database can hold a unique constraint without holding the
value, and a stolen table cannot be reversed by hashing all possible numbers.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


@lru_cache(maxsize=4)
def _lookup_key(key: str) -> bytes:
    return hmac.new(key.encode(), b"xiaoge:lookup-hash:v1", hashlib.sha256).digest()


def encrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    return hmac.new(_lookup_key(settings.FIELD_ENCRYPTION_KEY), value.encode(), hashlib.sha256).hexdigest()
