"""The one seam for login and roles on console pages and actions.

Every console router depends on ``page_access(permission)``. Until accounts exist it lets everyone in;
the security layer replaces the body of ``_check`` with its ``require(permission)`` (a session or bearer
check plus the role matrix), and every page and action is covered at once.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

VIEW = "console.view"
ACT = "console.act"  # acknowledge, assign, resolve, replay


def page_access(permission: str) -> Callable[[Request], None]:
    def _check(request: Request) -> None:
        return None

    _check.__name__ = f"page_access_{permission.replace('.', '_')}"
    return _check


def actor(request: Request) -> str:
    """Who is acting: the logged-in user once accounts exist; until then the console itself."""
    return "console"
