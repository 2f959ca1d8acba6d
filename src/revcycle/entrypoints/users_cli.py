"""``revcycle users add / disable / enable / unlock / roles / list / token create / token revoke``.

Runs against the configured store (whoever can run it can read the store's settings). Generated
passwords and tokens are printed once and stored only hashed; a chosen password is read from stdin
(``--password-stdin``), never from the command line. Every change is written to the audit log.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import timedelta
from typing import Any

import click

from revcycle.adapters.store.accounts import AccountError, SqlAccounts
from revcycle.security import credentials
from revcycle.security.audit_chain import AuditEntry
from revcycle.security.permissions import Role, parse_roles

EXIT_REFUSED = 2
ROLE_HELP = "comma-separated: " + ", ".join(r.value for r in Role)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _open() -> tuple[SqlAccounts, Any]:
    from revcycle.bootstrap import build
    from revcycle.entrypoints.cli import _settings

    settings = _settings()
    container = build(settings)
    return container.accounts, container.audit


def _roles(text: str) -> tuple[Role, ...]:
    try:
        return parse_roles(text)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _audit(audit: Any, action: str, record: str, **detail: Any) -> None:
    audit.record(AuditEntry(actor=_actor(), action=action, kind="action", record=record, detail=detail))


def _fail(error: AccountError) -> None:
    click.echo(f"refused: {error}", err=True)
    sys.exit(EXIT_REFUSED)


@click.group()
def users() -> None:
    """Accounts, roles and API tokens."""


@users.command("add")
@click.argument("username")
@click.option("--role", "roles", required=True, help=ROLE_HELP)
@click.option("--password-stdin", is_flag=True, help="read the password from stdin (else one is generated)")
@click.option("--machine", is_flag=True, help="no password: a machine account that uses tokens only")
@click.option("--token", "with_token", is_flag=True, help="also create an API token (printed once)")
@click.option("--json", "as_json", is_flag=True)
def add(
    username: str, roles: str, password_stdin: bool, machine: bool, with_token: bool, as_json: bool
) -> None:
    """Create a user; a generated password (and token) is printed this once."""
    chosen = _roles(roles)
    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not machine:
        password = credentials.new_password()
    accounts, audit = _open()
    try:
        accounts.add_user(username, chosen, password)
        token = accounts.create_token(username, "cli")[1] if with_token else None
    except AccountError as error:
        _fail(error)
        return
    _audit(audit, "users.add", username, roles=[r.value for r in chosen])
    out: dict[str, Any] = {"username": username, "roles": [r.value for r in chosen]}
    if password and not password_stdin:
        out["password"] = password
    if token:
        out["token"] = token
    lines = [f"user {username} created with roles {', '.join(out['roles'])}"]
    lines += [f"  password (shown once): {out['password']}"] if "password" in out else []
    lines += [f"  API token (shown once): {token}"] if token else []
    click.echo(json.dumps(out) if as_json else "\n".join(lines))


def _change(username: str, action: str, **detail: Any) -> None:
    accounts, audit = _open()
    try:
        if action == "users.disable":
            accounts.set_disabled(username, True)
        elif action == "users.enable":
            accounts.set_disabled(username, False)
        elif action == "users.unlock":
            accounts.unlock(username)
        else:
            accounts.set_roles(username, tuple(Role(r) for r in detail["roles"]))
    except AccountError as error:
        _fail(error)
    _audit(audit, action, username, **detail)
    click.echo(f"{username}: {action.split('.')[1]} done")


@users.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable a user: sessions end and every token stops working at once."""
    _change(username, "users.disable")


@users.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    _change(username, "users.enable")


@users.command("unlock")
@click.argument("username")
def unlock(username: str) -> None:
    """Clear a lockout after repeated failed sign-ins."""
    _change(username, "users.unlock")


@users.command("roles")
@click.argument("username")
@click.option("--role", "roles", required=True, help=ROLE_HELP)
def set_roles(username: str, roles: str) -> None:
    """Replace a user's roles."""
    _change(username, "users.roles", roles=[r.value for r in _roles(roles)])


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_users(as_json: bool) -> None:
    accounts, _ = _open()
    found = accounts.list_users()
    if as_json:
        click.echo(json.dumps(found, default=str, indent=2))
        return
    for user in found:
        state = "disabled" if user["disabled"] else ("locked" if user["locked_until"] else "active")
        mfa = "mfa" if user["mfa_enabled"] else "no-mfa"
        click.echo(f"{user['username']:20} {state:8} {mfa:6} {','.join(user['roles'])}")
        for token in user["tokens"]:
            revoked = " revoked" if token["revoked_at"] else ""
            click.echo(f"    token {token['id']} {token['name']} {token['prefix']}...{revoked}")


@users.group("token")
def token() -> None:
    """API tokens for machines."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@click.option("--role", "roles", default=None, help="a subset of the user's roles (default: all)")
@click.option("--expires-days", type=click.IntRange(min=1), default=None)
@click.option("--json", "as_json", is_flag=True)
def token_create(
    username: str, name: str, roles: str | None, expires_days: int | None, as_json: bool
) -> None:
    """A new token, printed this once."""
    accounts, audit = _open()
    expires = timedelta(days=expires_days) if expires_days else None
    try:
        token_id, value = accounts.create_token(
            username, name, _roles(roles) if roles else None, expires_in=expires
        )
    except AccountError as error:
        _fail(error)
        return
    _audit(audit, "tokens.create", username, token_id=token_id)
    out = {"id": token_id, "username": username, "token": value}
    click.echo(json.dumps(out) if as_json else f"token {token_id} for {username} (shown once): {value}")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    accounts, audit = _open()
    try:
        accounts.revoke_token(token_id)
    except AccountError as error:
        _fail(error)
    _audit(audit, "tokens.revoke", f"token={token_id}")
    click.echo(f"token {token_id} revoked")
