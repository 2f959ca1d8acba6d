"""The console behind the security layer: a browser that is not signed in is sent to the login page and
back, MFA accounts give their code on the way, roles without a page's permission get 403, form posts
need the session's CSRF token, actions are recorded under the signed-in user, PHI is masked for roles
without phi.view."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient

from revcycle.bootstrap import build
from revcycle.entrypoints.api.app import create_app
from revcycle.security.permissions import Role
from revcycle.settings import Settings
from tests.integration.api.auth_helpers import app_container, bearer
from tests.integration.api.test_console_pages import _seed, wait_for

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def client(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        db_url=store_url,
        data_dir=tmp_path,
        mllp_enabled=False,
        worker_poll_seconds=0.05,
        worker_mode="thread",
        cookie_secure=False,
    )
    with TestClient(create_app(lambda: build(settings))) as client:
        yield client


def _user(client: TestClient, name: str, *roles: Role) -> None:
    app_container(client).accounts.add_user(name, roles, PASSWORD)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def _sign_in(client: TestClient, name: str, next_: str = "/console") -> str:
    """Through the login form; answers the page it lands on."""
    form = {"username": name, "password": PASSWORD, "next": next_}
    response = client.post("/console/login", data=form, headers=HTML)
    assert response.status_code == 200 and name in response.text
    return str(response.text)


def test_a_browser_not_signed_in_is_sent_to_login_and_back(client: TestClient) -> None:
    away = client.get("/console/work-queue?status=open", headers=HTML, follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/console/login?next=%2Fconsole%2Fwork-queue%3Fstatus%3Dopen"
    page = client.get(away.headers["location"], headers=HTML)
    assert page.status_code == 200 and 'id="login-form"' in page.text
    assert 'value="/console/work-queue?status=open"' in page.text
    assert client.get("/console/work-queue").status_code == 401  # not a browser: problem+json
    assert client.get("/console/work-queue").headers["content-type"].startswith("application/problem+json")

    _user(client, "rita", Role.REVENUE_CYCLE_MANAGER)
    wrong = client.post("/console/login", data={"username": "rita", "password": "nope"}, headers=HTML)
    assert wrong.status_code == 401 and "invalid username or password" in wrong.text
    form = {"username": "rita", "password": PASSWORD, "next": "/console/work-queue?status=open"}
    landed = client.post("/console/login", data=form, headers=HTML, follow_redirects=False)
    assert landed.status_code == 303 and landed.headers["location"] == "/console/work-queue?status=open"
    page = client.get(landed.headers["location"], headers=HTML)
    assert page.status_code == 200 and 'id="signed-in-user">rita<' in page.text
    evil = client.post("/console/login", data={**form, "next": "//evil.example/"}, follow_redirects=False)
    assert evil.headers["location"] == "/console"  # never an open redirect


def test_an_account_with_mfa_gives_its_code_on_the_way(client: TestClient) -> None:
    _user(client, "mia", Role.REVENUE_CYCLE_MANAGER)
    accounts = app_container(client).accounts
    secret = pyotp.parse_uri(accounts.enroll_mfa("mia")).secret
    recovery = accounts.confirm_mfa("mia", pyotp.TOTP(secret).now())
    form = {"username": "mia", "password": PASSWORD, "next": "/console/alerts"}
    step = client.post("/console/login", data=form, headers=HTML)
    assert step.status_code == 200 and 'id="mfa-form"' in step.text
    half = client.get("/console/alerts", headers=HTML, follow_redirects=False)
    assert half.status_code == 303  # the half-open session reaches no page
    bad = client.post("/console/login/mfa", data={"code": "000000", "next": "/console/alerts"})
    assert bad.status_code == 401 and "not valid" in bad.text
    code = {"code": recovery[0], "next": "/console/alerts"}  # the TOTP code just used is spent
    done = client.post("/console/login/mfa", data=code, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/alerts"
    assert client.get("/console/alerts", headers=HTML).status_code == 200


def test_a_role_without_the_permission_gets_403_on_a_page(client: TestClient) -> None:
    _user(client, "fin", Role.FINANCE)
    _sign_in(client, "fin")
    refused = client.get("/console/operations", headers=HTML)  # needs messages.read
    assert refused.status_code == 403 and "messages.read" in refused.text
    assert client.get("/console/revenue", headers=HTML).status_code == 200  # claims.read
    finding = {"ids": ["1"], "action": "resolved", "csrf_token": _csrf(client.get("/console").text)}
    assert client.post("/console/actions/findings", data=finding).status_code == 403  # findings.manage


def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    _user(client, "rita", Role.REVENUE_CYCLE_MANAGER)
    ids = _seed(client)
    page = _sign_in(client, "rita", "/console/work-queue")
    action = {"ids": [ids["finding"]], "action": "in_progress"}
    refused = client.post("/console/actions/findings", data=action, follow_redirects=False)
    assert refused.status_code == 403 and "CSRF" in refused.text
    forged = client.post("/console/actions/findings", data={**action, "csrf_token": "forged"})
    assert forged.status_code == 403
    done = client.post("/console/actions/findings", data={**action, "csrf_token": _csrf(page)})
    assert done.status_code == 200
    assert f'data-finding="{ids["finding"]}"' in client.get("/console/work-queue?status=in_progress").text
    found = client.get(f"/api/v1/findings/{ids['finding']}", headers=bearer(client, Role.BILLING_ADMIN))
    assert "rita" in json.dumps(found.json())  # the change is recorded under the signed-in user


def test_an_alert_acknowledged_from_the_console_records_the_user(client: TestClient) -> None:
    admin = bearer(client, Role.BILLING_ADMIN)
    _seed(client)
    alert = wait_for(
        lambda: client.get("/api/v1/alerts", params={"status": "open"}, headers=admin).json()["items"]
    )[0]
    _user(client, "rita", Role.REVENUE_CYCLE_MANAGER)
    page = _sign_in(client, "rita", "/console/alerts")
    assert f'data-alert="{alert["id"]}"' in page
    form = {"ids": [alert["id"]], "csrf_token": _csrf(page)}
    assert client.post("/console/actions/alerts/acknowledge", data=form).status_code == 200
    after = client.get(f"/api/v1/alerts/{alert['id']}", headers=admin).json()
    assert after["status"] == "acknowledged" and after["acknowledged_by"] == "rita"


def test_phi_is_masked_on_pages_for_roles_without_phi_view_and_reads_are_audited(client: TestClient) -> None:
    admin = bearer(client, Role.BILLING_ADMIN)
    provider = json.dumps([{"npi": "1234567890", "name": "X"}])
    client.post("/api/v1/master-data/provider", content=provider, headers=admin)
    letter = wait_for(lambda: client.get("/api/v1/dead-letters", headers=admin).json()["items"])[0]
    path = f"/console/dead-letters/{letter['id']}"
    _user(client, "aud", Role.AUDITOR)  # dead-letters.read without phi.view
    _sign_in(client, "aud")
    masked = client.get(path, headers=HTML).text
    assert '<textarea name="raw" rows="14" id="raw" spellcheck="false">***</textarea>' in masked
    assert "1234567890" not in masked
    client.post("/console/logout", data={"csrf_token": _csrf(masked)})
    _user(client, "ing", Role.INTEGRATION_ENGINEER)  # phi.view
    _sign_in(client, "ing")
    assert "1234567890" in client.get(path, headers=HTML).text
    audit = client.get("/api/v1/audit", headers=bearer(client, Role.COMPLIANCE_OFFICER)).json()["items"]
    reads = [e for e in audit if e["route"] == "/console/dead-letters/{dead_letter_id}"]
    assert {e["actor"] for e in reads} >= {"aud", "ing"} and all(e["kind"] == "phi-read" for e in reads)
