"""The one seam for sign-in and roles on console pages and actions, backed by the security layer.

The application-wide gate (``entrypoints.api.auth.authorize``) has already authenticated the caller
(session cookie or bearer token), checked the route's permission in ``security.permissions.ROUTES``,
checked the CSRF token of cookie-authenticated form posts and written the audit entry. ``page_access``
repeats the permission check for every console router (defence in depth: a console route can never be
served without a signed-in principal holding the matrix's permission), and ``actor`` names who acts.
A browser that is not signed in is sent to ``/console/login`` by ``setup.install``'s handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.routing import Route

from revcycle.entrypoints.api.auth import current_user
from revcycle.security.permissions import rule_for
from revcycle.security.principal import Principal
from revcycle.service_layer.errors import Forbidden


def page_access() -> Callable[[Request], Awaitable[Principal]]:
    """A dependency answering the signed-in principal when the matrix lets it reach the route
    (401 when nobody is signed in, 403 when its roles lack the route's permission)."""

    async def _check(request: Request) -> Principal:
        principal = await current_user(request)
        route = request.scope.get("route")
        path = route.path if isinstance(route, Route) else request.url.path
        rule = rule_for(request.method, path)
        if rule is None or not principal.can(rule.perm):
            why = "this page has no permission in the matrix" if rule is None else f"needs {rule.perm.value}"
            raise Forbidden(f"not allowed for your roles: {why}")
        return principal

    return _check


def actor(request: Request) -> str:
    """Who is acting: the signed-in user's name (recorded on acknowledgements, assignments, work-queue
    changes and dead-letter replays)."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        raise Forbidden("no signed-in user for this action")
    return principal.name
