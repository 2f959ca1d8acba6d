"""Credentials: argon2id password hashes, random bearer tokens stored as SHA-256, TOTP (RFC 6238)
codes and one-time recovery codes.

Tokens and session cookies carry 256 random bits, so a plain SHA-256 of them is a safe lookup key (no
dictionary to attack); passwords and recovery codes, chosen or short, get argon2id (RFC 9106).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "rct_"
MIN_PASSWORD = 12
_HASHER: list[PasswordHasher] = []  # made on first use, never at import


def _hasher() -> PasswordHasher:
    if not _HASHER:
        _HASHER.append(PasswordHasher())
    return _HASHER[0]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches the argon2 hash; a missing hash (machine account) never matches.
    The dummy hash keeps the time of a failed check independent of whether the account exists."""
    try:
        return _hasher().verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def _dummy() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher().hash(secrets.token_hex(16)))
    return _DUMMY[0]


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None (NIST SP 800-63B: length over composition)."""
    if len(password) < MIN_PASSWORD:
        return f"a password needs at least {MIN_PASSWORD} characters"
    return None


def new_password() -> str:
    return secrets.token_urlsafe(15)


def new_token() -> str:
    """A bearer token for a machine: ``rct_`` and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The stored form of a high-entropy secret (API token, session cookie)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_totp_secret() -> str:
    return pyotp.random_base32()


def otpauth_uri(secret: str, username: str, issuer: str = "revcycle") -> str:
    """The ``otpauth://totp/...`` URI an authenticator app enrols from (shown as text or a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def verify_totp(secret: str, code: str, *, after_step: int | None = None) -> int | None:
    """RFC 6238 with 30 s steps, accepting the neighbouring steps for clock drift. Returns the time
    step the code belongs to, or None. A code of a step at or before ``after_step`` (the last one
    accepted) is refused: an OTP is accepted once (RFC 6238 section 5.2)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = datetime.now(UTC)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(count: int = 10) -> list[str]:
    return [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(count)]


def hash_recovery_codes(codes: list[str]) -> list[str]:
    return [hash_password(code) for code in codes]


def use_recovery_code(hashes: list[str], code: str) -> list[str] | None:
    """The hashes left after using ``code``, or None when it matches none (each code works once)."""
    for index, stored in enumerate(hashes):
        if verify_password(stored, code.strip().lower()):
            return hashes[:index] + hashes[index + 1 :]
    return None
