"""``revcycle findings``: the work queue from the command line, on the configured store.

``list`` filters like ``GET /api/v1/findings``; ``show`` prints one finding with its history and
comments; ``assign``, ``resolve``, ``ignore``, ``reopen``, ``start`` and ``comment`` act on one or more
findings (all or nothing). Exit codes: 0 ok, 1 usage or invalid settings, 2 the action was refused (an
unknown finding, a move the work queue does not allow).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from revcycle.service_layer.errors import NotFound, PermanentError

EXIT_USAGE, EXIT_REFUSED = 1, 2
_ACTOR = click.option("--actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
_JSON = click.option("--json", "as_json", is_flag=True)


def _queue() -> Any:
    from revcycle.adapters.store.work_queue import SqlWorkQueue
    from revcycle.bootstrap import build
    from revcycle.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        for name, why in error.problems:
            click.echo(f"invalid setting {name}: {why}", err=True)
        sys.exit(EXIT_USAGE)
    return SqlWorkQueue(build(settings.model_copy(update={"workers": False})).engine)


def _emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def _act(ids: tuple[int, ...], action: str, as_json: bool, **options: Any) -> None:
    try:
        results = _queue().bulk(list(ids), action, **options)
    except (NotFound, PermanentError) as error:
        click.echo(f"refused: {error}", err=True)
        sys.exit(EXIT_REFUSED)
    text = "\n".join(
        f"finding {r['id']}: {action} {'done' if r['changed'] else '(no change)'}" for r in results
    )
    _emit({"results": results}, as_json, text)


@click.group()
def findings() -> None:
    """The work queue: list, show, assign, resolve, ignore, reopen, comment."""


@findings.command("list")
@click.option("--type", "type_", default=None)
@click.option("--status", default="open,in_progress", show_default=True, help='comma-separated, or "all"')
@click.option("--severity", default=None, help="exact severity (number or name)")
@click.option("--min-severity", default=None)
@click.option("--owner", default=None, help='an owner, or "-" for unassigned')
@click.option("--subject-kind", default=None)
@click.option("--subject-id", default=None)
@click.option("--payer", "payer_id", default=None)
@click.option("--facility", "facility_code", default=None)
@click.option("--since", type=click.DateTime(), default=None)
@click.option("--until", type=click.DateTime(), default=None)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@_JSON
def list_(
    type_: str | None,
    status: str,
    severity: str | None,
    min_severity: str | None,
    owner: str | None,
    subject_kind: str | None,
    subject_id: str | None,
    payer_id: str | None,
    facility_code: str | None,
    since: Any,
    until: Any,
    offset: int,
    limit: int,
    as_json: bool,
) -> None:
    """Findings, newest first."""
    from revcycle.adapters.store.work_queue import FindingFilter, severity_value

    try:
        flt = FindingFilter(
            type=type_,
            severity=severity_value(severity),
            min_severity=severity_value(min_severity),
            status=() if status == "all" else tuple(s for s in status.split(",") if s),
            owner=owner,
            subject_kind=subject_kind,
            subject_id=subject_id,
            payer_id=payer_id,
            facility_code=facility_code,
            since=since,
            until=until,
            offset=offset,
            limit=limit,
        )
    except PermanentError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_USAGE)
    page = _queue().search(flt)
    lines = [f"{'id':>6} {'status':11} {'sev':>3} {'type':22} {'owner':12} {'age':>6} summary"]
    lines += [
        f"{f['id']:>6} {f['status']:11} {f['severity']:>3} {f['type']:22} {f['owner'] or '-':12} "
        f"{_age(f['age_seconds']):>6} {f['summary']}"
        for f in page["items"]
    ]
    lines.append(f"{len(page['items'])} of {page['total']}")
    _emit(page, as_json, "\n".join(lines))


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@findings.command("show")
@click.argument("finding_id", type=int)
@_JSON
def show(finding_id: int, as_json: bool) -> None:
    """One finding with its details, history and comments."""
    try:
        found = _queue().get(finding_id)
    except NotFound as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_REFUSED)
    text = [
        f"finding {found['id']} [{found['type']}] severity {found['severity']}, {found['status']}, "
        f"owner {found['owner'] or '-'}, age {_age(found['age_seconds'])}",
        f"subject {found['subject_kind']} {found['subject_id']}: {found['summary']}",
        f"details {json.dumps(found['details'], default=str)}",
    ]
    text += [
        f"  {h['at']} {h['actor']}: {h['action']} {h['from_value']} -> {h['to_value']}"
        for h in found["history"]
    ]
    text += [f"  {c['at']} {c['author']} commented: {c['text']}" for c in found["comments"]]
    _emit(found, as_json, "\n".join(text))


@findings.command("assign")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--to", "owner", required=True, help='the new owner ("" to unassign)')
@_ACTOR
@_JSON
def assign(ids: tuple[int, ...], owner: str, actor: str, as_json: bool) -> None:
    """Give findings to an owner."""
    _act(ids, "assign", as_json, actor=actor, owner=owner)


def _mover(name: str, status: str, doc: str) -> None:
    @findings.command(name, help=doc)
    @click.argument("ids", nargs=-1, type=int, required=True)
    @click.option("--note", default=None)
    @_ACTOR
    @_JSON
    def command(ids: tuple[int, ...], note: str | None, actor: str, as_json: bool) -> None:
        _act(ids, "status", as_json, actor=actor, status=status, note=note)


_mover("resolve", "resolved", "Mark findings resolved.")
_mover("ignore", "ignored", "Mark findings ignored (not a problem).")
_mover("reopen", "open", "Reopen resolved or ignored findings.")
_mover("start", "in_progress", "Mark findings in progress.")


@findings.command("comment")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--text", required=True)
@_ACTOR
@_JSON
def comment(ids: tuple[int, ...], text: str, actor: str, as_json: bool) -> None:
    """Comment on findings."""
    _act(ids, "comment", as_json, actor=actor, text=text)
