"""PHI encryption at rest: AES-256-GCM (NIST SP 800-38D) under a key ring, and keyed blind indexes.

The key ring comes from ``$REVCYCLE_PHI_KEY`` or a key file (``phi_key_file``, default
``<data_dir>/keys/phi.keys``, created 0600 on first use), never from the config file. It holds numbered
data keys (the newest encrypts; older ones still decrypt until ``revcycle keys rotate`` has re-encrypted
everything) and one index key for the blind indexes (HMAC-SHA256) that equality queries use.

Ciphertext layout: ``MAGIC | key id (8 bytes, ASCII, space-padded) | nonce (12) | AES-GCM(ct+tag)``;
the associated data is the column's name (``table.column``), so a value moved to another column does not
decrypt. Text columns hold ``enc:v1:`` + URL-safe base64 of those bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"\x00RCE1"
TEXT_PREFIX = "enc:v1:"
KEY_ENV = "REVCYCLE_PHI_KEY"
_ID_LEN = 8


class KeyRingError(Exception):
    """The key ring is missing, malformed, or lacks the key a value was encrypted with."""


class KeyRing:
    """Data keys by id (``primary`` encrypts) and the blind-index key. Thread-safe; reloads itself once
    from its source when it meets an unknown key id (another process rotated the keys)."""

    def __init__(
        self,
        keys: dict[str, bytes],
        primary: str,
        index_key: bytes,
        *,
        reload: Callable[[], KeyRing] | None = None,
        source: str = "memory",
    ) -> None:
        if primary not in keys or any(len(k) != 32 for k in keys.values()) or len(index_key) != 32:
            raise KeyRingError("a key ring needs 256-bit keys and its primary key among them")
        if any(len(i) > _ID_LEN or not i.isascii() for i in keys):
            raise KeyRingError("key ids are at most 8 ASCII characters")
        self.keys, self.primary, self.index_key = dict(keys), primary, index_key
        self.source = source
        self._reload = reload
        self._lock = threading.Lock()
        self._sealer = AESGCM(self.keys[primary])  # the primary key's cipher, set up once
        self._header = MAGIC + primary.encode().ljust(_ID_LEN)
        self._openers: dict[str, AESGCM] = {}  # a cipher per key id met while decrypting

    @classmethod
    def generate(cls, *, source: str = "memory") -> KeyRing:
        return cls({"k1": AESGCM.generate_key(256)}, "k1", secrets.token_bytes(32), source=source)

    # --- (de)serialisation --------------------------------------------------------------------------

    def to_json(self) -> str:
        enc = base64.urlsafe_b64encode
        return json.dumps(
            {
                "primary": self.primary,
                "keys": {i: enc(k).decode() for i, k in self.keys.items()},
                "index_key": enc(self.index_key).decode(),
            }
        )

    @classmethod
    def from_json(cls, text: str, *, source: str = "memory") -> KeyRing:
        try:
            doc = json.loads(text)
            dec = base64.urlsafe_b64decode
            keys = {str(i): dec(k) for i, k in doc["keys"].items()}
            return cls(keys, str(doc["primary"]), dec(doc["index_key"]), source=source)
        except (ValueError, KeyError, TypeError) as error:
            raise KeyRingError(f"the key ring from {source} is malformed ({type(error).__name__})") from None

    def rotated(self) -> KeyRing:
        """A ring with a new primary key (the old keys kept to decrypt what is not yet re-encrypted)."""
        number = max((int(i[1:]) for i in self.keys if i[1:].isdigit()), default=0) + 1
        keys = {**self.keys, f"k{number}": AESGCM.generate_key(256)}
        return KeyRing(keys, f"k{number}", self.index_key, source=self.source)

    def retired(self) -> KeyRing:
        """Only the primary key left (after everything was re-encrypted with it)."""
        return KeyRing(
            {self.primary: self.keys[self.primary]}, self.primary, self.index_key, source=self.source
        )

    # --- use -----------------------------------------------------------------------------------------

    def encrypt(self, plain: bytes, column: str) -> bytes:
        nonce = os.urandom(12)
        return self._header + nonce + self._sealer.encrypt(nonce, plain, column.encode())

    def decrypt(self, blob: bytes, column: str) -> bytes:
        key_id = blob[len(MAGIC) : len(MAGIC) + _ID_LEN].decode("ascii", "replace").rstrip()
        start = len(MAGIC) + _ID_LEN
        opener = self._openers.get(key_id)
        if opener is None:
            opener = self._openers[key_id] = AESGCM(self.keys.get(key_id) or self._refreshed(key_id))
        try:
            return opener.decrypt(blob[start : start + 12], blob[start + 12 :], column.encode())
        except InvalidTag:
            raise KeyRingError(f"a {column} value fails authentication (tampered, or a wrong key)") from None

    def _refreshed(self, key_id: str) -> bytes:
        with self._lock:
            if key_id not in self.keys and self._reload is not None:
                fresh = self._reload()
                self.keys, self.primary, self.index_key = fresh.keys, fresh.primary, fresh.index_key
                self._sealer, self._header = fresh._sealer, fresh._header
        if key_id not in self.keys:
            raise KeyRingError(f"no key {key_id!r} in the key ring from {self.source}")
        return self.keys[key_id]

    def encrypt_text(self, plain: str, column: str) -> str:
        return TEXT_PREFIX + base64.urlsafe_b64encode(self.encrypt(plain.encode(), column)).decode()

    def decrypt_text(self, text: str, column: str) -> str:
        return self.decrypt(base64.urlsafe_b64decode(text[len(TEXT_PREFIX) :]), column).decode()

    def derived_key(self, purpose: str) -> bytes:
        """A 256-bit key for another purpose (the audit chain's HMAC), from the stable index key."""
        return hmac.new(self.index_key, f"revcycle:{purpose}".encode(), hashlib.sha256).digest()

    def blind_index(self, value: str, column: str) -> str:
        """A keyed hash for equality lookups on an encrypted value (same value -> same index)."""
        return hmac.digest(self.index_key, f"{column}\x00{value}".encode(), "sha256").hex()  # one C call


def is_encrypted(value: bytes | str) -> bool:
    return value.startswith(MAGIC) if isinstance(value, bytes) else value.startswith(TEXT_PREFIX)


def default_key_file(data_dir: Path) -> Path:
    return data_dir / "keys" / "phi.keys"


def load_key_ring(key_file: Path, *, create: bool = True) -> KeyRing:
    """The ring from ``$REVCYCLE_PHI_KEY`` (the JSON ring) if set, else from ``key_file``, which is
    created (mode 0600, in a 0700 folder) when absent and ``create``."""

    def load() -> KeyRing:
        from_env = os.environ.get(KEY_ENV)
        if from_env:
            return KeyRing.from_json(from_env, source=f"${KEY_ENV}")
        if not key_file.exists():
            if not create:
                raise KeyRingError(f"no PHI key ring: set ${KEY_ENV} or create {key_file}")
            write_key_ring(key_file, KeyRing.generate())
        return KeyRing.from_json(key_file.read_text(), source=str(key_file))

    ring = load()
    ring._reload = load
    return ring


def write_key_ring(key_file: Path, ring: KeyRing) -> None:
    """Write atomically with owner-only permissions."""
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = key_file.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(ring.to_json())
    os.replace(temporary, key_file)
