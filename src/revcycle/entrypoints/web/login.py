"""Console sign-in: a password form, then the TOTP (or recovery) code when the account has MFA, then
back to the page the browser first asked for. Uses the same account service, session cookie and audit
entries as ``/api/v1/auth/login`` and ``/api/v1/auth/mfa/verify``; sign-out ends the session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from revcycle.entrypoints.api.auth import SESSION_COOKIE, client_address, principal_of
from revcycle.entrypoints.api.deps import container
from revcycle.entrypoints.api.routes_auth import _record
from revcycle.entrypoints.web.setup import templates

router = APIRouter(prefix="/console", include_in_schema=False)
HOME = "/console"


def safe_next(value: str | None) -> str:
    """Only a path on this site (never ``//host`` or a full URL: no open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return HOME
    return value


def _form(request: Request, step: str, next_: str, error: str = "", status: int = 200) -> HTMLResponse:
    context = {"nav": "login", "step": step, "next": safe_next(next_), "error": error, "username": ""}
    return templates(request).TemplateResponse(request, "login.html", context, status_code=status)


@router.get("/login")
def login_page(request: Request, next: str = HOME) -> HTMLResponse:
    return _form(request, "password", next)


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    if not username or not password:
        return _form(request, "password", next, "enter your username and password", 400)
    app = container(request)
    result = await run_in_threadpool(app.accounts.login, username, password, source=client_address(request))
    await run_in_threadpool(_record, request, username, "auth.login", result.reason)
    if not result.ok or result.session_token is None:
        why = "the account is locked; try later or ask an administrator" if result.reason == "locked" else ""
        return _form(request, "password", next, why or "invalid username or password", 401)
    if result.mfa_required:
        response: Response = _form(request, "mfa", next)
    else:
        response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session_token,
        httponly=True,
        secure=app.settings.cookie_secure,
        samesite="strict",
        path="/",
        max_age=int(app.settings.session_max_hours * 3600),
    )
    return response


@router.post("/login/mfa")
async def login_mfa(
    request: Request,
    code: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    principal = await principal_of(request)
    if principal is None or principal.session_id is None:
        return _form(request, "password", next, "sign in with your password first", 400)
    ok = bool(code.strip()) and await run_in_threadpool(
        container(request).accounts.pass_mfa, principal.session_id, code.strip()
    )
    await run_in_threadpool(_record, request, principal.name, "auth.mfa", "ok" if ok else "invalid")
    if not ok:
        return _form(request, "mfa", next, "the code is not valid", 401)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    principal = await principal_of(request)
    if principal is not None and principal.session_id is not None:
        await run_in_threadpool(container(request).accounts.end_session, principal.session_id)
    response = RedirectResponse(f"{HOME}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
