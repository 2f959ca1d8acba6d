"""Account rules over time, on both back ends, with a controlled clock: sessions expire when idle and
at their maximum age, a lockout ends by itself, wrong TOTP codes lock like wrong passwords, expired
tokens fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import Engine

from revcycle.adapters.store.accounts import AccountError, AuthPolicy, SqlAccounts
from revcycle.security.permissions import Role

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(engine: Engine, clock: Clock) -> SqlAccounts:
    made = SqlAccounts(engine, policy=AuthPolicy(), clock=clock)
    made.add_user("alice", (Role.FINANCE,), PASSWORD)
    return made


def test_a_session_expires_when_idle_and_slides_while_used(accounts: SqlAccounts, clock: Clock) -> None:
    token = accounts.login("alice", PASSWORD, source="10.0.0.1").session_token
    assert token is not None
    for _ in range(6):  # used every 20 minutes for two hours: still alive
        clock.advance(minutes=20)
        assert accounts.session(token) is not None
    clock.advance(minutes=31)
    assert accounts.session(token) is None


def test_a_session_ends_at_its_maximum_age_however_busy(accounts: SqlAccounts, clock: Clock) -> None:
    token = accounts.login("alice", PASSWORD, source=None).session_token
    assert token is not None
    for _ in range(35):
        clock.advance(minutes=20)
        assert accounts.session(token) is not None
    clock.advance(minutes=20)
    assert accounts.session(token) is None  # 11 h 40 min + 20 min: the 12 h maximum


def test_a_lockout_ends_by_itself(accounts: SqlAccounts, clock: Clock) -> None:
    for _ in range(5):
        accounts.login("alice", "wrong password!!", source=None)
    assert accounts.login("alice", PASSWORD, source=None).reason == "locked"
    clock.advance(minutes=16)
    assert accounts.login("alice", PASSWORD, source=None).ok


def test_wrong_totp_codes_lock_the_account_and_end_the_session(accounts: SqlAccounts) -> None:
    uri = accounts.enroll_mfa("alice")
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    accounts.confirm_mfa("alice", totp.now())
    result = accounts.login("alice", PASSWORD, source=None)
    assert result.mfa_required and result.session_token is not None
    session = accounts.session(result.session_token)
    assert session is not None and session.session_id is not None and not session.mfa_passed
    for code in ("000001", "000002", "000003", "000004", "000005"):
        assert not accounts.pass_mfa(session.session_id, code)
    assert not accounts.pass_mfa(session.session_id, totp.now())  # locked, and the session ended
    assert accounts.session(result.session_token) is None
    assert accounts.login("alice", PASSWORD, source=None).reason == "locked"


def test_the_totp_secret_is_encrypted_at_rest(accounts: SqlAccounts, engine: Engine) -> None:
    from sqlalchemy import text

    uri = accounts.enroll_mfa("alice")
    secret = uri.split("secret=")[1].split("&")[0]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT mfa_secret FROM users")).scalar_one()
    assert secret not in stored and stored.startswith("enc:v1:")


def test_an_expired_token_fails(accounts: SqlAccounts, clock: Clock) -> None:
    _, token = accounts.create_token("alice", "short", expires_in=timedelta(days=1))
    assert accounts.token(token) is not None
    clock.advance(days=1, seconds=1)
    accounts.forget_tokens()
    assert accounts.token(token) is None and accounts.known_token(token)


def test_machine_accounts_cannot_sign_in_and_names_are_checked(accounts: SqlAccounts) -> None:
    accounts.add_user("lab-feed", (Role.INTEGRATION_ENGINEER,), None)
    assert accounts.login("lab-feed", "", source=None).reason == "invalid"
    with pytest.raises(AccountError, match="username"):
        accounts.add_user("bad name!", (Role.FINANCE,), None)
