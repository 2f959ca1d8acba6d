"""Users, sessions and API tokens in the store (the ``users``, ``sessions``, ``api_tokens`` tables).

Secrets are never stored: passwords and recovery codes as argon2id, tokens and session cookies as
SHA-256, the TOTP secret encrypted by its column type (``encrypted.py``). Errors are ``AccountError``
with a reason that names no secret.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, RowMapping, or_, select, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.schema import api_tokens, sessions, users
from revcycle.security import credentials
from revcycle.security.permissions import Role
from revcycle.security.principal import Principal

Clock = Callable[[], datetime]
TOKEN_TOUCH = timedelta(seconds=60)  # last_used_at is refreshed at most once a minute per token
TOKEN_CACHE_SECONDS = 5.0  # a token checked within this many seconds is not looked up again


class AccountError(Exception):
    """A refused account operation; ``code`` says why (unknown_user, exists, weak_password...)."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    lockout_threshold: int = 5
    lockout: timedelta = timedelta(minutes=15)
    session_idle: timedelta = timedelta(minutes=30)
    session_max: timedelta = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class LoginResult:
    ok: bool
    reason: str  # ok, invalid, locked, disabled
    session_token: str | None = None
    csrf_token: str | None = None
    mfa_required: bool = False
    expires_at: datetime | None = None


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class SqlAccounts:
    def __init__(
        self,
        engine: Engine,
        *,
        policy: AuthPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.writer = for_writing(engine)
        self.policy = policy or AuthPolicy()
        self.clock = clock or (lambda: datetime.now(UTC))
        # digest -> (principal or None, monotonic deadline): the per-request lookup, cached briefly.
        # Revoking or disabling through this object clears it at once; another process's change
        # (the CLI) takes effect within TOKEN_CACHE_SECONDS.
        self._tokens: dict[str, tuple[Principal | None, bool, float]] = {}
        self._tokens_lock = threading.Lock()

    # --- users -------------------------------------------------------------------------------------

    def add_user(self, username: str, roles: tuple[Role, ...], password: str | None) -> int:
        if not username or len(username) > 100 or not username.replace("-", "").replace(".", "").isalnum():
            raise AccountError("a username is 1-100 letters, digits, '.' or '-'", "bad_username")
        if password is not None and (problem := credentials.password_problem(password)):
            raise AccountError(problem, "weak_password")
        now = self.clock()
        with self.writer.begin() as conn:
            if conn.execute(select(users.c.id).where(users.c.username == username)).first():
                raise AccountError(f"user {username} already exists", "exists")
            return int(
                conn.execute(
                    users.insert()
                    .values(
                        username=username,
                        roles=[r.value for r in roles],
                        password_hash=credentials.hash_password(password) if password else None,
                        mfa_enabled=False,
                        recovery_codes=[],
                        disabled=False,
                        failed_logins=0,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(users.c.id)
                ).scalar_one()
            )

    def user(self, username: str) -> RowMapping:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
        if row is None:
            raise AccountError(f"no user {username}", "unknown_user")
        return row

    def list_users(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.username)).mappings().all()
            tokens = conn.execute(select(api_tokens).order_by(api_tokens.c.id)).mappings().all()
        out = []
        for row in rows:
            out.append(
                {
                    "id": row["id"],
                    "username": row["username"],
                    "roles": list(row["roles"]),
                    "disabled": row["disabled"],
                    "mfa_enabled": row["mfa_enabled"],
                    "locked_until": _utc(row["locked_until"]),
                    "password": row["password_hash"] is not None,
                    "tokens": [_token_view(t) for t in tokens if t["user_id"] == row["id"]],
                }
            )
        return out

    def forget_tokens(self) -> None:
        with self._tokens_lock:
            self._tokens.clear()

    def _set(self, username: str, **values: Any) -> None:
        self.forget_tokens()
        with self.writer.begin() as conn:
            found = conn.execute(
                update(users).where(users.c.username == username).values(updated_at=self.clock(), **values)
            )
            if found.rowcount == 0:
                raise AccountError(f"no user {username}", "unknown_user")
            if values.get("disabled"):
                user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
                conn.execute(
                    update(sessions)
                    .where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
                    .values(ended_at=self.clock())
                )

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disabling ends the user's sessions and stops every token of theirs at once."""
        self._set(username, disabled=disabled)

    def set_roles(self, username: str, roles: tuple[Role, ...]) -> None:
        self._set(username, roles=[r.value for r in roles])

    def unlock(self, username: str) -> None:
        self._set(username, failed_logins=0, locked_until=None)

    def set_password(self, username: str, password: str) -> None:
        if problem := credentials.password_problem(password):
            raise AccountError(problem, "weak_password")
        self._set(username, password_hash=credentials.hash_password(password))

    # --- sign-in -----------------------------------------------------------------------------------

    def login(self, username: str, password: str, *, source: str | None) -> LoginResult:
        """Check a password; ``lockout_threshold`` consecutive failures lock the account for
        ``lockout``. A locked account is refused even with the right password."""
        now = self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
        if row is None:
            credentials.verify_password(None, password)  # same cost as a real check
            return LoginResult(False, "invalid")
        locked_until = _utc(row["locked_until"])
        if locked_until is not None and locked_until > now:
            return LoginResult(False, "locked")
        if not credentials.verify_password(row["password_hash"], password):
            failures = int(row["failed_logins"]) + 1
            lock = now + self.policy.lockout if failures >= self.policy.lockout_threshold else None
            with self.writer.begin() as conn:
                conn.execute(
                    update(users)
                    .where(users.c.id == row["id"])
                    .values(failed_logins=failures, locked_until=lock, updated_at=now)
                )
            return LoginResult(False, "locked" if lock else "invalid")
        if row["disabled"]:
            return LoginResult(False, "disabled")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        expires = now + self.policy.session_idle
        with self.writer.begin() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == row["id"])
                .values(failed_logins=0, locked_until=None, updated_at=now)
            )
            conn.execute(
                sessions.insert().values(
                    token_hash=credentials.digest(token),
                    user_id=row["id"],
                    csrf_token=csrf,
                    mfa_passed=not row["mfa_enabled"],
                    source=(source or "")[:64] or None,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires,
                )
            )
        return LoginResult(True, "ok", token, csrf, bool(row["mfa_enabled"]), expires)

    def session(self, token: str) -> Principal | None:
        """The principal of a live session cookie (idle and absolute expiry), sliding the idle expiry."""
        now = self.clock()
        query = (
            select(sessions, users.c.username, users.c.roles, users.c.disabled)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == credentials.digest(token))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None or row["ended_at"] is not None or row["disabled"]:
            return None
        created, expires = _utc(row["created_at"]), _utc(row["expires_at"])
        assert created is not None and expires is not None
        if expires <= now or created + self.policy.session_max <= now:
            return None
        if expires - now < self.policy.session_idle - TOKEN_TOUCH:
            with self.writer.begin() as conn:
                conn.execute(
                    update(sessions)
                    .where(sessions.c.id == row["id"])
                    .values(
                        last_seen_at=now,
                        expires_at=min(now + self.policy.session_idle, created + self.policy.session_max),
                    )
                )
        return Principal(
            name=row["username"],
            roles=frozenset(row["roles"]),
            kind="session",
            user_id=row["user_id"],
            session_id=row["id"],
            csrf_token=row["csrf_token"],
            mfa_passed=bool(row["mfa_passed"]),
        )

    def end_session(self, session_id: int) -> None:
        with self.writer.begin() as conn:
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(ended_at=self.clock()))

    # --- multi-factor ------------------------------------------------------------------------------

    def enroll_mfa(self, username: str) -> str:
        """Start TOTP enrolment: a new (not yet active) secret; returns the otpauth URI."""
        secret = credentials.new_totp_secret()
        self._set(username, mfa_secret=secret)
        return credentials.otpauth_uri(secret, username)

    def confirm_mfa(self, username: str, code: str) -> list[str]:
        """Activate TOTP once a code from the enrolled secret checks; returns the recovery codes (shown
        once, stored hashed)."""
        row = self.user(username)
        step = credentials.verify_totp(row["mfa_secret"], code) if row["mfa_secret"] else None
        if step is None:
            raise AccountError("the code does not match the enrolled authenticator", "bad_code")
        codes = credentials.new_recovery_codes()
        hashed = credentials.hash_recovery_codes(codes)
        self._set(username, mfa_enabled=True, recovery_codes=hashed, mfa_last_step=step)
        return codes

    def pass_mfa(self, session_id: int, code: str) -> bool:
        """Complete a half-open session with a TOTP code or an unused recovery code. Wrong codes count
        as failed sign-ins: at the lockout threshold the account locks and the session ends."""
        now = self.clock()
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(users, sessions.c.ended_at)
                    .join(sessions, sessions.c.user_id == users.c.id)
                    .where(sessions.c.id == session_id)
                )
                .mappings()
                .first()
            )
        if row is None or row["ended_at"] is not None or not row["mfa_enabled"]:
            return False
        locked_until = _utc(row["locked_until"])
        if locked_until is not None and locked_until > now:
            return False
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        step = credentials.verify_totp(row["mfa_secret"], code, after_step=row["mfa_last_step"])
        if step is not None:
            values["mfa_last_step"] = step
        else:
            left = credentials.use_recovery_code(list(row["recovery_codes"]), code)
            if left is None:
                self._mfa_failed(row, session_id, now)
                return False
            values["recovery_codes"] = left
        guard = update(users).where(users.c.id == row["id"])
        if step is not None:  # the same code presented twice at once: only one use wins
            guard = guard.where(or_(users.c.mfa_last_step.is_(None), users.c.mfa_last_step < step))
        with self.writer.begin() as conn:
            if conn.execute(guard.values(**values)).rowcount == 0:
                return False
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(mfa_passed=True))
        return True

    def _mfa_failed(self, row: RowMapping, session_id: int, now: datetime) -> None:
        failures = int(row["failed_logins"]) + 1
        locked = failures >= self.policy.lockout_threshold
        with self.writer.begin() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == row["id"])
                .values(failed_logins=failures, locked_until=now + self.policy.lockout if locked else None)
            )
            if locked:
                conn.execute(update(sessions).where(sessions.c.id == session_id).values(ended_at=now))

    # --- API tokens --------------------------------------------------------------------------------

    def create_token(
        self,
        username: str,
        name: str,
        roles: tuple[Role, ...] | None = None,
        *,
        expires_in: timedelta | None = None,
    ) -> tuple[int, str]:
        """A new token for ``username`` scoped to ``roles`` (default: all of the user's roles; never
        more). Returns (token id, the token): the token is shown once and stored only as a hash."""
        row = self.user(username)
        held = set(row["roles"])
        scoped = [r.value for r in roles] if roles else sorted(held)
        if not set(scoped) <= held:
            raise AccountError("a token cannot carry roles its user does not hold", "roles_exceed_user")
        token = credentials.new_token()
        now = self.clock()
        with self.writer.begin() as conn:
            token_id = conn.execute(
                api_tokens.insert()
                .values(
                    user_id=row["id"],
                    name=name[:100],
                    token_hash=credentials.digest(token),
                    prefix=token[:12],
                    roles=scoped,
                    created_at=now,
                    expires_at=now + expires_in if expires_in else None,
                )
                .returning(api_tokens.c.id)
            ).scalar_one()
        return int(token_id), token

    def revoke_token(self, token_id: int, *, owner: int | None = None) -> None:
        """Revoke a token (only its owner's, when ``owner`` is given)."""
        self.forget_tokens()
        query = update(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        if owner is not None:
            query = query.where(api_tokens.c.user_id == owner)
        with self.writer.begin() as conn:
            if conn.execute(query.values(revoked_at=self.clock())).rowcount == 0:
                raise AccountError(f"no active token {token_id}", "unknown_token")

    def token(self, token: str) -> Principal | None:
        """The principal of a bearer token: None when unknown, revoked, expired, or its user is
        disabled. The token's roles are intersected with its user's current roles."""
        return self._checked(token)[0]

    def known_token(self, token: str) -> bool:
        """Whether this token was ever issued (revoked or not): such a token never falls back to any
        other credential."""
        return self._checked(token)[1]

    def _checked(self, token: str) -> tuple[Principal | None, bool]:
        key = credentials.digest(token)
        with self._tokens_lock:
            cached = self._tokens.get(key)
        if cached is not None and cached[2] > time.monotonic():
            return cached[0], cached[1]
        found, known = self._lookup_token(token)
        with self._tokens_lock:
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[key] = (found, known, time.monotonic() + TOKEN_CACHE_SECONDS)
        return found, known

    def _lookup_token(self, token: str) -> tuple[Principal | None, bool]:
        now = self.clock()
        query = (
            select(api_tokens, users.c.username, users.c.roles.label("user_roles"), users.c.disabled)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(api_tokens.c.token_hash == credentials.digest(token))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None, False
        if row["revoked_at"] is not None or row["disabled"]:
            return None, True
        expires = _utc(row["expires_at"])
        if expires is not None and expires <= now:
            return None, True
        last = _utc(row["last_used_at"])
        if last is None or now - last >= TOKEN_TOUCH:
            with self.writer.begin() as conn:
                conn.execute(update(api_tokens).where(api_tokens.c.id == row["id"]).values(last_used_at=now))
        principal = Principal(
            name=row["username"],
            roles=frozenset(row["roles"]) & frozenset(row["user_roles"]),
            kind="token",
            user_id=row["user_id"],
            token_id=row["id"],
        )
        return principal, True

    def has_users(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(users.c.id).limit(1)).first() is not None


def _token_view(row: RowMapping) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "prefix": row["prefix"],
        "roles": list(row["roles"]),
        "created_at": _utc(row["created_at"]),
        "expires_at": _utc(row["expires_at"]),
        "revoked_at": _utc(row["revoked_at"]),
        "last_used_at": _utc(row["last_used_at"]),
    }
