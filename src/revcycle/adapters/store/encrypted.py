"""Column types that encrypt PHI at rest: the one place the store meets ``security.phi_crypto``.

The engine carries its key ring (``install_key_ring``, done by the composition root); the types
encrypt on the way in and decrypt on the way out, so repositories and queries handle plain values.
Values written before encryption was on (no ``MAGIC`` / ``enc:`` prefix) read back as they are, and
``revcycle keys rotate`` re-encrypts them. Writing PHI through an engine without a key ring fails.
Equality on an encrypted value goes through a blind-index column (``blind_index``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Engine, LargeBinary, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from revcycle.security.phi_crypto import KeyRing, KeyRingError, is_encrypted

_ATTRIBUTE = "revcycle_key_ring"


def install_key_ring(engine: Engine, ring: KeyRing) -> None:
    setattr(engine.dialect, _ATTRIBUTE, ring)


def key_ring(dialect: Dialect) -> KeyRing:
    ring = getattr(dialect, _ATTRIBUTE, None)
    if ring is None:
        raise KeyRingError("this store connection has no PHI key ring (bootstrap.build installs it)")
    assert isinstance(ring, KeyRing)
    return ring


def blind_index(dialect: Dialect, value: str | None, column: str) -> str | None:
    return None if value is None else key_ring(dialect).blind_index(value, column)


KEYED_PREFIX = "h1:"


def is_keyed(value: str) -> bool:
    return value.startswith(KEYED_PREFIX) and len(value) == len(KEYED_PREFIX) + 64


class KeyedHash(TypeDecorator[str]):
    """An identifier kept only to be compared for equality (the inbound log's partition key, a
    patient's account or MRN): stored as ``h1:`` + its blind index (HMAC-SHA256 under the key ring's
    index key), never in clear. Reads give the hash; a value already in that form is stored as it is,
    so writing back what was read does not hash twice."""

    impl = String
    cache_ok = True

    def __init__(self, column: str, length: int = 200) -> None:
        super().__init__(length)
        self.column = column

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or is_keyed(value):
            return value
        return KEYED_PREFIX + key_ring(dialect).blind_index(value, self.column)


class EncryptedBytes(TypeDecorator[bytes]):
    """Binary PHI (the raw inbound message)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else key_ring(dialect).encrypt(bytes(value), self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        value = bytes(value)
        return key_ring(dialect).decrypt(value, self.column) if is_encrypted(value) else value


class EncryptedText(TypeDecorator[str]):
    """Short text PHI (an account number, a TOTP secret)."""

    impl = String
    cache_ok = True

    def __init__(self, column: str, length: int = 300) -> None:
        super().__init__(length)
        self.column = column

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else key_ring(dialect).encrypt_text(value, self.column)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or not is_encrypted(value):
            return value
        return key_ring(dialect).decrypt_text(value, self.column)


class EncryptedLongText(EncryptedText):
    """Free text PHI of any length (a work-queue comment), stored as ``Text``: sealed as
    :class:`EncryptedText` is (an ``enc:`` string; a value in clear from before reads back as it is)."""

    impl = Text
    cache_ok = True

    def __init__(self, column: str) -> None:
        TypeDecorator.__init__(self)
        self.column = column


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document holding PHI, stored as one encrypted JSON string."""

    impl = JSON
    cache_ok = True

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return key_ring(dialect).encrypt_text(json.dumps(value, separators=(",", ":")), self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str) and is_encrypted(value):
            return json.loads(key_ring(dialect).decrypt_text(value, self.column))
        return value
