"""Every route registered on the app, for every role, answers as the permission matrix says: allowed ->
anything but 403, denied -> 403; without credentials, 401 unless public. A route added without a rule
in ``security/permissions.py`` fails here."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Route

from revcycle.security.permissions import ROLE_PERMISSIONS, Perm, Role, rule_for
from tests.integration.api.auth_helpers import bearer


def _routes(client: TestClient) -> list[tuple[str, BaseRoute]]:
    """Every route of the app with its full path (FastAPI nests included routers lazily). The gate
    decides by the route's own template, so an include-time prefix would escape it: refuse those."""
    found = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route, path = context.original_route, context.path or ""
        assert getattr(route, "path", path) == path, f"{path}: give the prefix to the APIRouter"
        found.append((path, route))
    return found


def _methods(route: BaseRoute) -> list[str]:
    if isinstance(route, Route) and route.methods:
        return sorted(m for m in route.methods if m != "HEAD")
    return ["GET"]


def _concrete(path: str) -> str:
    """A URL for a route template; ids that name nothing, so that no test data is touched."""
    return re.sub(
        r"\{([^}:]+)(:[^}]*)?\}", lambda m: "999999" if m.group(1).endswith("id") else "nobody", path
    )


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    """The status only: a live stream (the console's server-sent events) is closed unread."""
    with client.stream(method, _concrete(path), headers=headers) as response:
        return int(response.status_code)


def test_every_route_has_a_rule_and_ungated_routes_are_public(client: TestClient) -> None:
    missing, ungated = [], []
    for path, route in _routes(client):
        for method in _methods(route):
            rule = rule_for(method, path)
            if rule is None:
                missing.append(f"{method} {path}")
            elif not isinstance(route, APIRoute) and rule.perm is not Perm.PUBLIC:
                ungated.append(f"{method} {path}")  # outside FastAPI's dependencies: cannot be gated
    assert missing == [], "routes without a rule in security/permissions.py ROUTES"
    assert ungated == []


def test_each_role_gets_exactly_what_the_matrix_grants(client: TestClient) -> None:
    client.headers.pop("Authorization", None)
    credentials = {role: bearer(client, role) for role in Role}
    routes = [route for _, route in _routes(client) if isinstance(route, APIRoute)]
    assert len(routes) >= 40
    wrong: list[str] = []
    for route in routes:
        for method in _methods(route):
            rule = rule_for(method, route.path)
            assert rule is not None, f"{method} {route.path} has no rule"
            anonymous = _call(client, method, route.path, {})
            if rule.perm is Perm.PUBLIC:
                if anonymous in (401, 403):
                    wrong.append(f"anonymous {method} {route.path}: {anonymous} on a public route")
                continue
            if anonymous != 401:
                wrong.append(f"anonymous {method} {route.path}: {anonymous}, expected 401")
            for role, headers in credentials.items():
                allowed = rule.perm in ROLE_PERMISSIONS[role]
                status = _call(client, method, route.path, headers)
                if allowed and status in (401, 403):
                    wrong.append(f"{role} {method} {route.path}: {status}, but the matrix allows it")
                if not allowed and status != 403:
                    wrong.append(f"{role} {method} {route.path}: {status}, but the matrix denies it")
    assert wrong == []


def test_denials_are_audited(client: TestClient) -> None:
    headers = bearer(client, Role.ANALYST, username="nosy")
    assert client.get("/api/v1/patients", headers=headers).status_code == 403
    audit = client.get("/api/v1/audit", headers=bearer(client, Role.COMPLIANCE_OFFICER)).json()["items"]
    denied = [e for e in audit if e["kind"] == "denied"]
    assert denied and denied[0]["actor"].startswith("nosy#token") and denied[0]["route"] == "/api/v1/patients"
