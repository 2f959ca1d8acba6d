"""Sign-in, lockout, sessions with CSRF, TOTP multi-factor, API tokens (revocation, disabled users),
ingest allow-lists and the secure headers, over HTTP on both back ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient

from revcycle.bootstrap import build
from revcycle.entrypoints.api.app import create_app
from revcycle.security.permissions import Role
from revcycle.settings import Settings
from tests.integration.api.auth_helpers import app_container, bearer

PASSWORD = "correct horse battery"


@pytest.fixture
def anonymous(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        db_url=store_url, data_dir=tmp_path, mllp_enabled=False, worker_mode="thread", cookie_secure=False
    )
    with TestClient(create_app(lambda: build(settings))) as client:
        yield client


def _user(client: TestClient, name: str = "alice", *roles: Role) -> None:
    app_container(client).accounts.add_user(name, roles or (Role.REVENUE_CYCLE_MANAGER,), PASSWORD)


def _login(client: TestClient, name: str = "alice", password: str = PASSWORD) -> dict[str, object]:
    response = client.post("/api/v1/auth/login", json={"username": name, "password": password})
    return {"status": response.status_code, **response.json()}


def test_five_wrong_passwords_lock_the_account(anonymous: TestClient) -> None:
    _user(anonymous)
    for _ in range(4):
        assert _login(anonymous, password="wrong password!")["code"] == "invalid_credentials"
    fifth = _login(anonymous, password="wrong password!")
    assert fifth["status"] == 401 and fifth["code"] == "locked"
    locked = _login(anonymous)  # the right password no longer opens it
    assert locked["status"] == 401 and locked["code"] == "locked"
    app_container(anonymous).accounts.unlock("alice")
    assert _login(anonymous)["status"] == 200
    outcomes = [e["outcome"] for e in app_container(anonymous).audit.entries(action="auth.login")]
    assert outcomes.count("invalid") == 4 and outcomes.count("locked") == 2 and outcomes[0] == "ok"


def test_a_success_resets_the_failure_count(anonymous: TestClient) -> None:
    _user(anonymous)
    for _ in range(4):
        _login(anonymous, password="wrong password!")
    assert _login(anonymous)["status"] == 200
    for _ in range(4):
        _login(anonymous, password="wrong password!")
    assert _login(anonymous)["status"] == 200


def test_unknown_users_and_wrong_passwords_answer_alike(anonymous: TestClient) -> None:
    _user(anonymous)
    unknown, wrong = _login(anonymous, "mallory"), _login(anonymous, password="nope nope nope")
    assert unknown["status"] == wrong["status"] == 401 and unknown["detail"] == wrong["detail"]


def test_a_revoked_token_and_a_disabled_users_token_fail(anonymous: TestClient) -> None:
    accounts = app_container(anonymous).accounts
    _user(anonymous, "bob", Role.FINANCE)
    token_id, token = accounts.create_token("bob", "erp-sync")
    _, other = accounts.create_token("bob", "reports")
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous.get("/api/v1/claims", headers=headers).status_code == 200
    admin = bearer(anonymous, Role.BILLING_ADMIN)
    assert anonymous.post(f"/api/v1/tokens/{token_id}/revoke", headers=admin).status_code == 200
    assert anonymous.get("/api/v1/claims", headers=headers).status_code == 401
    assert anonymous.get("/api/v1/claims", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    assert anonymous.post("/api/v1/users/bob/disable", headers=admin).status_code == 200
    assert anonymous.get("/api/v1/claims", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    listed = {u["username"]: u for u in accounts.list_users()}["bob"]
    assert listed["disabled"] and listed["tokens"][0]["revoked_at"] is not None
    assert listed["tokens"][0]["last_used_at"] is not None


def test_a_token_is_scoped_to_its_roles(anonymous: TestClient) -> None:
    accounts = app_container(anonymous).accounts
    _user(anonymous, "carol", Role.REVENUE_CYCLE_MANAGER, Role.INTEGRATION_ENGINEER)
    _, token = accounts.create_token("carol", "ingest only", (Role.INTEGRATION_ENGINEER,))
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous.get("/api/v1/messages", headers=headers).status_code == 200
    assert anonymous.get("/api/v1/claims", headers=headers).status_code == 403  # the user may; the token not
    with pytest.raises(Exception, match="roles its user does not hold"):
        accounts.create_token("carol", "too much", (Role.BILLING_ADMIN,))


def test_session_cookie_needs_the_csrf_token_for_writes_and_ends_at_logout(anonymous: TestClient) -> None:
    _user(anonymous)
    signed = _login(anonymous)
    assert signed["status"] == 200 and signed["mfa_required"] is False
    me = anonymous.get("/api/v1/auth/me").json()
    assert me["username"] == "alice" and "claims.read" in me["permissions"]
    assert anonymous.post("/api/v1/tokens", json={"name": "x"}).status_code == 403  # no CSRF token
    made = anonymous.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": me["csrf_token"]})
    assert made.status_code == 200 and made.json()["token"].startswith("rct_")
    assert (
        anonymous.post("/api/v1/auth/logout", headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 200
    )
    assert anonymous.get("/api/v1/auth/me").status_code == 401


def test_totp_enrolment_then_sign_in_needs_the_code(anonymous: TestClient) -> None:
    _user(anonymous)
    _login(anonymous)
    csrf = {"X-CSRF-Token": str(anonymous.get("/api/v1/auth/me").json()["csrf_token"])}
    uri = anonymous.post("/api/v1/auth/mfa/enroll", headers=csrf).json()["otpauth_uri"]
    assert uri.startswith("otpauth://totp/revcycle:alice?")
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    assert (
        anonymous.post("/api/v1/auth/mfa/confirm", json={"code": "000000"}, headers=csrf).status_code == 422
    )
    codes = anonymous.post("/api/v1/auth/mfa/confirm", json={"code": totp.now()}, headers=csrf).json()
    recovery = codes["recovery_codes"]
    assert len(recovery) == 10
    anonymous.post("/api/v1/auth/logout", headers=csrf)

    assert _login(anonymous)["mfa_required"] is True
    assert anonymous.get("/api/v1/claims").status_code == 401  # half-open session
    assert anonymous.post("/api/v1/auth/mfa/verify", json={"code": "123456"}).status_code == 401
    # the code used to confirm enrolment is spent (RFC 6238 5.2); the next step's code is accepted
    assert anonymous.post("/api/v1/auth/mfa/verify", json={"code": next_code(totp)}).status_code == 200
    assert anonymous.get("/api/v1/claims").status_code == 200

    anonymous.cookies.clear()
    _login(anonymous)
    assert anonymous.post("/api/v1/auth/mfa/verify", json={"code": recovery[0]}).status_code == 200
    anonymous.cookies.clear()
    _login(anonymous)
    assert anonymous.post("/api/v1/auth/mfa/verify", json={"code": recovery[0]}).status_code == 401  # used


def next_code(totp: pyotp.TOTP) -> str:
    return totp.at(datetime.now(UTC) + timedelta(seconds=30))


def test_a_totp_code_works_once(anonymous: TestClient) -> None:
    accounts = app_container(anonymous).accounts
    _user(anonymous)
    totp = pyotp.parse_uri(accounts.enroll_mfa("alice"))
    assert isinstance(totp, pyotp.TOTP)
    accounts.confirm_mfa("alice", totp.now())
    code = next_code(totp)
    _login(anonymous)
    assert anonymous.post("/api/v1/auth/mfa/verify", json={"code": code}).status_code == 200
    anonymous.cookies.clear()
    _login(anonymous)
    assert anonymous.post("/api/v1/auth/mfa/verify", json={"code": code}).status_code == 401  # replayed


def test_secure_headers_on_every_answer(anonymous: TestClient) -> None:
    for response in (anonymous.get("/health"), anonymous.get("/api/v1/claims")):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    assert anonymous.get("/api/v1/claims").headers["cache-control"] == "no-store"


def test_login_cookie_is_http_only_and_strict(anonymous: TestClient) -> None:
    _user(anonymous)
    response = anonymous.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_ingest_by_allow_listed_address_only_for_ingest(store_url: str, tmp_path: Path) -> None:
    settings = Settings(
        db_url=store_url,
        data_dir=tmp_path,
        mllp_enabled=False,
        worker_mode="thread",
        ingest_allow={"http-hl7v2": ["10.1.0.0/16"]},
    )
    app = create_app(lambda: build(settings))
    adt = b"MSH|^~\\&|EPIC|H|RC|H|202601010000||ADT^A01|C1|P|2.5\rPID|1||123^^^H^MR||DOE^JANE\r"
    with TestClient(app, client=("10.1.2.3", 5000)) as inside:
        assert inside.post("/api/v1/ingest/hl7v2", content=adt).status_code == 200
        assert inside.post("/api/v1/ingest/x12", content=b"ISA").status_code == 401  # other interface
        assert inside.get("/api/v1/messages").status_code == 401  # reading is never by address
    with TestClient(app, client=("10.2.0.1", 5000)) as outside:
        assert outside.post("/api/v1/ingest/hl7v2", content=adt).status_code == 401
