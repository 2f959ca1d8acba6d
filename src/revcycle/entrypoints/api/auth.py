"""Authentication and authorisation for every HTTP route, decided by the permission matrix
(``revcycle.security.permissions``).

``authorize`` is installed once as an application-wide dependency: for each request it finds the
matched route's rule, authenticates the caller (bearer token, session cookie, or, for ingest routes, an
allow-listed source address), refuses with 401 / 403 (deny by default: a route missing from the matrix
is refused), checks CSRF for cookie-authenticated writes, and writes the audit entry the rule asks for.

For pages and routes: ``current_user`` (the principal, 401 when none) and ``require(perm)`` (403 when
the principal lacks ``perm``) are ordinary FastAPI dependencies; ``shows_phi`` says whether to mask.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from revcycle.entrypoints.api.deps import container, interface_name
from revcycle.security.audit_chain import AuditEntry
from revcycle.security.network import address_allowed
from revcycle.security.permissions import Audit, Perm, Role, rule_for
from revcycle.security.principal import Principal
from revcycle.service_layer.errors import Forbidden, NotAuthenticated

SESSION_COOKIE = "revcycle_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_INGEST = frozenset({Perm.INGEST, Perm.MASTER_DATA_WRITE})
_DEFAULT_INTERFACE = {
    "/api/v1/ingest": "http",
    "/api/v1/ingest/hl7v2": "http-hl7v2",
    "/api/v1/ingest/x12": "http-x12",
    "/api/v1/master-data/{kind}": "erp",
}
_UNSET = object()


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _authenticate(request: Request) -> Principal | None:
    """The caller from its credentials (blocking: runs in the thread pool)."""
    app = container(request)
    if app.settings.auth_disabled:
        return Principal("auth-disabled", frozenset({Role.BILLING_ADMIN.value}), "test")
    token = _bearer(request)
    if token is not None:
        found = app.accounts.token(token)
        if found is not None or app.accounts.known_token(token):
            return found  # an issued token stands alone: once revoked it never falls back
        static = app.settings.api_token
        if static and hmac.compare_digest(token.encode(), static.encode()):
            return Principal("api-token", frozenset({Role.INTEGRATION_ENGINEER.value}), "static-token")
        return None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return app.accounts.session(cookie)
    return None


def _allow_listed(request: Request, path: str) -> Principal | None:
    """An ingest route's caller admitted by source address (``ingest_allow``), limited to ingest."""
    allow = container(request).settings.ingest_allow
    host = client_address(request)
    if not allow or host is None:
        return None
    interface = interface_name(request, _DEFAULT_INTERFACE.get(path, "http"))
    networks = [*allow.get(interface, []), *allow.get("*", [])]
    if address_allowed(host, networks):
        return Principal(f"address:{host}", frozenset({Role.INTEGRATION_ENGINEER.value}), "address")
    return None


async def principal_of(request: Request) -> Principal | None:
    """The request's principal (authenticated once, then kept on ``request.state``)."""
    cached = getattr(request.state, "principal", _UNSET)
    if cached is _UNSET:
        cached = await run_in_threadpool(_authenticate, request)
        request.state.principal = cached
    return cached  # type: ignore[return-value]


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return route.path if isinstance(route, Route) else request.url.path


async def authorize(request: Request) -> None:
    """The application-wide gate; see the module docstring."""
    path = _route_path(request)
    rule = rule_for(request.method, path)
    if rule is not None and rule.perm is Perm.PUBLIC:
        return
    principal = await principal_of(request)
    if principal is None and rule is not None and rule.perm in _INGEST:
        principal = _allow_listed(request, path)
        request.state.principal = principal
    if principal is None:
        raise NotAuthenticated("sign in, or send Authorization: Bearer <token>")
    if not principal.mfa_passed:
        raise NotAuthenticated("the multi-factor step is pending: POST /api/v1/auth/mfa/verify")
    if rule is None or not principal.can(rule.perm):
        await _audit(request, principal, path, rule.perm.value if rule else "unlisted", "denied", "denied")
        why = "this route has no permission in the matrix" if rule is None else f"needs {rule.perm.value}"
        raise Forbidden(f"not allowed for your roles: {why}")
    request.state.mask_phi = not principal.can(Perm.PHI_VIEW)  # see phi_masking
    if principal.kind == "session" and request.method not in SAFE_METHODS:
        await _check_csrf(request, principal)
    if rule.audit is not Audit.NONE:
        await _audit(request, principal, path, rule.perm.value, rule.audit.value, "ok")


async def _check_csrf(request: Request, principal: Principal) -> None:
    """Synchronizer token (OWASP CSRF cheat sheet): cookie-authenticated writes carry the session's
    token in ``X-CSRF-Token`` or, for HTML forms, a ``csrf_token`` field."""
    sent = request.headers.get(CSRF_HEADER)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if sent is None and media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = principal.csrf_token or ""
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("missing or wrong CSRF token")


async def _audit(
    request: Request, principal: Principal, path: str, action: str, kind: str, outcome: str
) -> None:
    params = request.path_params
    record = ",".join(f"{k}={v}" for k, v in sorted(params.items())) or None
    entry = AuditEntry(
        actor=principal.name if principal.token_id is None else f"{principal.name}#token{principal.token_id}",
        roles=principal.roles_text,
        action=action,
        kind=kind,
        outcome=outcome,
        method=request.method,
        route=path,
        record=record,
        source=client_address(request),
        detail={"query": sorted(request.query_params.keys())},  # names only: values may be PHI
    )
    await run_in_threadpool(container(request).audit.record, entry)


async def current_user(request: Request) -> Principal:
    """The signed-in principal; 401 when there is none."""
    principal = await principal_of(request)
    if principal is None or not principal.mfa_passed:
        raise NotAuthenticated("sign in, or send Authorization: Bearer <token>")
    return principal


def require(perm: Perm) -> Callable[[Request], Any]:
    """A dependency refusing (403) a principal without ``perm``; returns the principal."""

    async def dependency(request: Request) -> Principal:
        principal = await current_user(request)
        if not principal.can(perm):
            raise Forbidden(f"not allowed for your roles: needs {perm.value}")
        return principal

    return dependency


def shows_phi(request: Request) -> bool:
    """Whether this request's principal sees PHI unmasked."""
    principal = getattr(request.state, "principal", None)
    return isinstance(principal, Principal) and principal.can(Perm.PHI_VIEW)
