"""Sign-in (password, then TOTP when enrolled), sign-out, the caller's own account and tokens, and user
administration. JSON in and out; login also accepts an HTML form post (``username``, ``password``).

The session is a random cookie (HttpOnly, SameSite=Strict, Secure unless ``cookie_secure`` is off)
whose SHA-256 is the server-side session row; writes with it need the CSRF token ``me`` returns.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from revcycle.adapters.store.accounts import AccountError, LoginResult
from revcycle.entrypoints.api.auth import SESSION_COOKIE, client_address, current_user, principal_of
from revcycle.entrypoints.api.deps import container
from revcycle.security.audit_chain import AuditEntry
from revcycle.security.permissions import Perm, parse_roles
from revcycle.security.principal import Principal
from revcycle.service_layer.errors import Forbidden, NotAuthenticated, PermanentError

router = APIRouter(prefix="/api/v1")


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class Code(BaseModel):
    code: str = Field(min_length=6, max_length=40)


class NewPassword(BaseModel):
    current: str = Field(min_length=1, max_length=1000)
    new: str = Field(min_length=1, max_length=1000)


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    roles: list[str] = Field(min_length=1)
    password: str | None = Field(default=None, max_length=1000)


class Roles(BaseModel):
    roles: list[str] = Field(min_length=1)


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    roles: list[str] | None = None
    expires_days: int | None = Field(default=None, ge=1, le=3650)


def _record(request: Request, actor: str, action: str, outcome: str, **detail: Any) -> None:
    container(request).audit.record(
        AuditEntry(
            actor=actor,
            action=action,
            kind="auth",
            outcome=outcome,
            method=request.method,
            route=request.url.path,
            source=client_address(request),
            detail=detail,
        )
    )


def _roles(names: list[str]) -> Any:
    try:
        return parse_roles(",".join(names))
    except ValueError as error:
        raise PermanentError(str(error), code="unknown_role") from None


@router.post("/auth/login")
async def login(request: Request) -> JSONResponse:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()
            body = Login.model_validate({"username": form.get("username"), "password": form.get("password")})
        else:
            body = Login.model_validate_json(await request.body() or b"{}")
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_input=False)) from None
    app = container(request)
    result: LoginResult = await run_in_threadpool(
        app.accounts.login, body.username, body.password, source=client_address(request)
    )
    await run_in_threadpool(_record, request, body.username, "auth.login", result.reason)
    if not result.ok:
        if result.reason == "locked":
            raise NotAuthenticated(
                "the account is locked after repeated failures; try later or ask an administrator",
                code="locked",
            )
        raise NotAuthenticated("invalid username or password", code="invalid_credentials")
    assert result.session_token is not None
    response = JSONResponse(
        {
            "username": body.username,
            "mfa_required": result.mfa_required,
            "csrf_token": result.csrf_token,
            "expires_at": result.expires_at.isoformat() if result.expires_at else None,
        }
    )
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


@router.post("/auth/logout")
async def logout(request: Request) -> JSONResponse:
    principal = await current_user(request)
    if principal.session_id is not None:
        await run_in_threadpool(container(request).accounts.end_session, principal.session_id)
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/auth/me")
def me(request: Request) -> dict[str, Any]:
    principal: Principal = request.state.principal
    return {
        "username": principal.name,
        "kind": principal.kind,
        "roles": sorted(principal.roles),
        "permissions": sorted(p.value for p in principal.permissions),
        "csrf_token": principal.csrf_token,
    }


@router.post("/auth/mfa/verify")
async def mfa_verify(request: Request, body: Code) -> dict[str, Any]:
    """The second step of a sign-in: a TOTP code or an unused recovery code."""
    principal = await principal_of(request)
    if principal is None or principal.session_id is None:
        raise NotAuthenticated("sign in with your password first")
    ok = await run_in_threadpool(container(request).accounts.pass_mfa, principal.session_id, body.code)
    await run_in_threadpool(_record, request, principal.name, "auth.mfa", "ok" if ok else "invalid")
    if not ok:
        raise NotAuthenticated("the code is not valid", code="invalid_code")
    return {"mfa_passed": True}


def _user_of(principal: Principal) -> str:
    if principal.user_id is None:
        raise Forbidden("only accounts (not static tokens or addresses) have this")
    return principal.name


@router.post("/auth/mfa/enroll")
def mfa_enroll(request: Request) -> dict[str, Any]:
    """Start TOTP enrolment: the otpauth URI (render it as a QR code) for an authenticator app."""
    uri = container(request).accounts.enroll_mfa(_user_of(request.state.principal))
    return {"otpauth_uri": uri}


@router.post("/auth/mfa/confirm")
def mfa_confirm(request: Request, body: Code) -> dict[str, Any]:
    """Activate TOTP with a first code; answers the recovery codes, shown this once."""
    try:
        codes = container(request).accounts.confirm_mfa(_user_of(request.state.principal), body.code)
    except AccountError as error:
        raise PermanentError(str(error), code=error.code) from None
    return {"mfa_enabled": True, "recovery_codes": codes}


@router.post("/auth/password")
def change_password(request: Request, body: NewPassword) -> dict[str, Any]:
    accounts = container(request).accounts
    username = _user_of(request.state.principal)
    if not accounts.login(username, body.current, source=client_address(request)).ok:
        raise NotAuthenticated("the current password is wrong", code="invalid_credentials")
    try:
        accounts.set_password(username, body.new)
    except AccountError as error:
        raise PermanentError(str(error), code=error.code) from None
    return {"changed": True}


@router.post("/tokens")
def create_token(request: Request, body: NewToken) -> dict[str, Any]:
    """A token for the caller's own account, scoped to some of its roles; shown once."""
    principal: Principal = request.state.principal
    roles = _roles(body.roles) if body.roles else None
    expires = timedelta(days=body.expires_days) if body.expires_days else None
    try:
        token_id, token = container(request).accounts.create_token(
            _user_of(principal), body.name, roles, expires_in=expires
        )
    except AccountError as error:
        raise Forbidden(str(error)) from None
    return {"id": token_id, "token": token}


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int) -> dict[str, Any]:
    """Revoke one of the caller's tokens (a user administrator may revoke anyone's)."""
    principal: Principal = request.state.principal
    owner = None if principal.can(Perm.USERS_MANAGE) else principal.user_id
    if owner is None and not principal.can(Perm.USERS_MANAGE):
        raise Forbidden("only accounts can revoke tokens")
    try:
        container(request).accounts.revoke_token(token_id, owner=owner)
    except AccountError as error:
        raise PermanentError(str(error), code=error.code) from None
    return {"revoked": token_id}


@router.get("/users")
def list_users(request: Request) -> dict[str, Any]:
    return {"items": container(request).accounts.list_users()}


@router.post("/users")
def add_user(request: Request, body: NewUser) -> dict[str, Any]:
    try:
        user_id = container(request).accounts.add_user(body.username, _roles(body.roles), body.password)
    except AccountError as error:
        raise PermanentError(str(error), code=error.code) from None
    return {"id": user_id, "username": body.username}


def _admin(request: Request, username: str, change: str, **values: Any) -> dict[str, Any]:
    accounts = container(request).accounts
    try:
        if change == "disable":
            accounts.set_disabled(username, True)
        elif change == "unlock":
            accounts.unlock(username)
        else:
            accounts.set_roles(username, values["roles"])
    except AccountError as error:
        raise PermanentError(str(error), code=error.code) from None
    return {"username": username, change: True}


@router.post("/users/{username}/disable")
def disable_user(request: Request, username: str) -> dict[str, Any]:
    return _admin(request, username, "disable")


@router.post("/users/{username}/unlock")
def unlock_user(request: Request, username: str) -> dict[str, Any]:
    return _admin(request, username, "unlock")


@router.post("/users/{username}/roles")
def set_roles(request: Request, username: str, body: Roles) -> dict[str, Any]:
    return _admin(request, username, "roles", roles=_roles(body.roles))
