"""Credentials for API tests: a machine user with the given roles and a bearer token, made through the
real account store of the running app."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient

from revcycle.bootstrap import Container
from revcycle.security.permissions import Role

_serial = itertools.count(1)


def app_container(client: TestClient) -> Container:
    found: Container = client.app.state.container  # type: ignore[attr-defined]
    return found


def bearer(client: TestClient, *roles: Role, username: str | None = None) -> dict[str, str]:
    """``Authorization`` headers for a new token holding ``roles``."""
    accounts = app_container(client).accounts
    name = username or f"test-{'-'.join(r.value for r in roles)}-{next(_serial)}"
    accounts.add_user(name, roles, None)
    _, token = accounts.create_token(name, "tests")
    return {"Authorization": f"Bearer {token}"}


def sign_in_as_admin(client: TestClient) -> TestClient:
    """Give the client a billing administrator's token on every request (what the suite's API tests
    run as, unless they test the matrix itself)."""
    client.headers.update(bearer(client, Role.BILLING_ADMIN))
    return client
