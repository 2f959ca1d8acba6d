"""The ``revcycle`` command line. Every command that prints data has ``--json``.

Exit codes: 0 success, 1 invalid settings or usage, 2 some input was rejected, 3 the store or server
could not be reached.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from revcycle import __version__
from revcycle.settings import Settings, SettingsError, load_settings

EXIT_SETTINGS, EXIT_REJECTED, EXIT_UNAVAILABLE = 1, 2, 3


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        for name, why in error.problems:
            click.echo(f"invalid setting {name}: {why}", err=True)
        sys.exit(EXIT_SETTINGS)


def _emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


@click.group()
@click.version_option(__version__, prog_name="revcycle")
def main() -> None:
    """revcycle: healthcare revenue-cycle integration hub with real-time billing intelligence."""


@main.command()
def serve() -> None:
    """HTTP API + MLLP listener + workers on the configured store."""
    from revcycle.entrypoints.server import run_server

    run_server(_settings())


@main.command()
@click.option(
    "--samples", type=click.Path(path_type=Path), default=None, help="sample folder to ingest first"
)
@click.option("--backfill-days", type=click.IntRange(min=0), default=30, show_default=True)
@click.option("--rate", type=click.FloatRange(min=1), default=300.0, show_default=True, help="max messages/s")
@click.option("--speed", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="simulated hours per real second once live")  # fmt: skip
@click.option("--seed", type=int, default=1, show_default=True)
def demo(samples: Path | None, backfill_days: int, rate: float, speed: float, seed: int) -> None:
    """``serve`` on the embedded default, fed live by the simulated provider network (Ctrl-C stops)."""
    from revcycle.entrypoints.server import run_demo

    run_demo(_settings(), samples, backfill_days=backfill_days, rate=rate, speed=speed, seed=seed)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--url", default=None, help="send to a running server instead of the local store")
@click.option("--json", "as_json", is_flag=True)
def ingest(paths: tuple[Path, ...], url: str | None, as_json: bool) -> None:
    """Ingest files or folders (HL7 v2, X12, FHIR JSON, master data), format detected."""
    from revcycle.entrypoints.ingest_files import ingest_local, ingest_remote

    settings = _settings()
    if url:
        import httpx

        try:
            report = ingest_remote(url, list(paths), token=settings.api_token)
        except httpx.HTTPError as error:
            click.echo(f"cannot reach {url}: {type(error).__name__}", err=True)
            sys.exit(EXIT_UNAVAILABLE)
    else:
        from revcycle.bootstrap import build

        report = ingest_local(build(settings), list(paths))
    text = (
        f"{report.files} files: {report.accepted} accepted, {report.duplicates} duplicates, "
        f"{len(report.rejected)} rejected, {report.processed} processed"
    )
    text += "".join(f"\n  rejected {name}: {reason}" for name, reason in report.rejected)
    _emit(report.as_dict(), as_json, text)
    if report.rejected:
        sys.exit(EXIT_REJECTED)


@main.group()
def db() -> None:
    """Database administration."""


@db.command()
def upgrade() -> None:
    """Apply the migrations to the configured store."""
    from revcycle.adapters.store.migrate import current_revision
    from revcycle.adapters.store.migrate import upgrade as run_upgrade
    from revcycle.bootstrap import store_engine

    engine = store_engine(_settings())
    run_upgrade(engine)
    click.echo(f"database at revision {current_revision(engine)}")


@db.command("rollups")
@click.option("--full", is_flag=True, help="recompute every day, not only what changed")
def db_rollups(full: bool) -> None:
    """Refresh the console's daily rollups now (the worker refreshes them every 30 s when idle)."""
    from revcycle.adapters.store.rollups import RollupRefresher
    from revcycle.bootstrap import store_engine

    report = RollupRefresher(store_engine(_settings())).refresh(full=full)
    click.echo(
        f"rollups refreshed ({'full' if report.full else 'incremental'}): {report.service_days} service "
        f"days, {report.payment_days} payment days, {report.encounters} visits in {report.seconds:.1f} s"
    )


@main.group()
def config() -> None:
    """Settings."""


@config.command("check")
@click.option("--json", "as_json", is_flag=True)
def config_check(as_json: bool) -> None:
    """Validate the settings and explain every invalid one."""
    try:
        settings = load_settings()
    except SettingsError as error:
        problems = [{"setting": name, "problem": why} for name, why in error.problems]
        _emit(
            {"valid": False, "problems": problems},
            as_json,
            "\n".join(f"invalid {p['setting']}: {p['problem']}" for p in problems),
        )
        sys.exit(EXIT_SETTINGS)
    from sqlalchemy.engine import make_url

    shown = settings.model_dump(mode="json", exclude={"api_token"})
    shown["database_url"] = make_url(settings.database_url).render_as_string(hide_password=True)
    if settings.db_url:
        shown["db_url"] = shown["database_url"]  # secrets are never echoed
    shown["api_token"] = "set" if settings.api_token else "not set"
    _emit(
        {"valid": True, "settings": shown},
        as_json,
        "settings are valid\n" + "\n".join(f"  {k} = {v}" for k, v in shown.items()),
    )


@main.group()
def dlq() -> None:
    """Dead letters: list, show, replay (optionally edited)."""


@dlq.command("list")
@click.option("--status", default="open", show_default=True)
@click.option("--reason", "reason_code", default=None)
@click.option("--stage", default=None)
@click.option("--format", "fmt", default=None)
@click.option("--type", "message_type", default=None)
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def dlq_list(
    status: str,
    reason_code: str | None,
    stage: str | None,
    fmt: str | None,
    message_type: str | None,
    limit: int,
    as_json: bool,
) -> None:
    from revcycle.bootstrap import build

    items = build(_settings()).queries.dead_letters(
        status=status if status != "all" else None,
        reason_code=reason_code,
        stage=stage,
        fmt=fmt,
        message_type=message_type,
        limit=limit,
    )
    lines = [f"{'id':>6} {'message':>8} {'stage':8} {'format':7} {'type':10} reason"]
    lines += [
        f"{d['id']:>6} {d['message_id']:>8} {d['stage']:8} {d['format']:7} {d['message_type']:10} "
        f"{d['reason']}"
        for d in items
    ]
    _emit(items, as_json, "\n".join(lines))


@dlq.command("show")
@click.argument("dead_letter_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def dlq_show(dead_letter_id: int, as_json: bool) -> None:
    from revcycle.bootstrap import build

    container = build(_settings())
    found = container.queries.dead_letter(dead_letter_id)
    _audit_cli_read(container, f"dead_letter_id={dead_letter_id}")  # the raw message is PHI
    if found is None:
        click.echo(f"dead letter {dead_letter_id} not found", err=True)
        sys.exit(EXIT_SETTINGS)
    message = found.get("message") or {}
    text = (
        f"dead letter {found['id']} ({found['status']}), message {found['message_id']}\n"
        f"stage {found['stage']}, reason [{found['reason_code']}] {found['reason']}\n"
        f"attempts {message.get('attempts')}, replays {len(found['replays'])}\n"
        f"--- raw ---\n{message.get('raw', '')}"
    )
    _emit(found, as_json, text)


@dlq.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-matching", is_flag=True, help="replay every open dead letter matching the filters")
@click.option("--reason", "reason_code", default=None)
@click.option("--stage", default=None)
@click.option("--format", "fmt", default=None)
@click.option("--type", "message_type", default=None)
@click.option(
    "--edit",
    "edited",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="replace the (single) dead letter's message with this file's content",
)
@click.option("--actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@click.option("--note", default=None)
@click.option("--json", "as_json", is_flag=True)
def dlq_replay(
    ids: tuple[int, ...],
    all_matching: bool,
    reason_code: str | None,
    stage: str | None,
    fmt: str | None,
    message_type: str | None,
    edited: Path | None,
    actor: str,
    note: str | None,
    as_json: bool,
) -> None:
    from revcycle.bootstrap import build

    container = build(_settings())
    if edited is not None:
        if len(ids) != 1:
            click.echo("--edit replays exactly one dead letter", err=True)
            sys.exit(EXIT_SETTINGS)
        results = [
            container.dead_letters.edit_and_replay(ids[0], edited.read_bytes(), actor=actor, note=note)
        ]
    else:
        chosen = list(ids)
        if all_matching:
            chosen += container.dead_letters.ids_matching(
                reason_code=reason_code, stage=stage, fmt=fmt, message_type=message_type
            )
        if not chosen:
            click.echo("nothing to replay: give ids or --all-matching with filters", err=True)
            sys.exit(EXIT_SETTINGS)
        results = container.dead_letters.replay(sorted(set(chosen)), actor=actor, note=note)
    processed = container.worker.drain()
    rows = [{name: getattr(r, name) for name in r.__slots__} for r in results]
    _audit_replay(container, actor, rows, edited=edited is not None)
    text = "\n".join(
        f"dead letter {r['dead_letter_id']}: {r['outcome']}" + (f" ({r['reason']})" if r["reason"] else "")
        for r in rows
    )
    _emit({"results": rows, "processed": processed}, as_json, text + f"\n{processed} messages processed")
    if any(r["outcome"] != "requeued" for r in rows):
        sys.exit(EXIT_REJECTED)


def _audit_replay(container: Any, actor: str, rows: list[dict[str, Any]], *, edited: bool) -> None:
    """A replay from the command line is a billing action: into the audit log, as the OS user."""
    from revcycle.security.audit_chain import AuditEntry

    container.audit.record(
        AuditEntry(
            actor=f"cli:{actor}",
            action="dead-letters.edit" if edited else "dead-letters.replay",
            kind="action",
            record=",".join(str(r["dead_letter_id"]) for r in rows)[:300],
            detail={"outcomes": sorted({str(r["outcome"]) for r in rows})},
        )
    )


def _audit_cli_read(container: Any, record: str) -> None:
    import getpass

    from revcycle.security.audit_chain import AuditEntry

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    container.audit.record(
        AuditEntry(actor=f"cli:{user}", action="dead-letters.read", kind="phi-read", record=record)
    )


def _register_commands() -> None:
    """Commands that live in their own modules (one line each)."""
    from revcycle.entrypoints.alerts_cli import alerts
    from revcycle.entrypoints.audit_cli import audit
    from revcycle.entrypoints.erp_cli import COMMANDS as ERP_COMMANDS
    from revcycle.entrypoints.findings_cli import findings
    from revcycle.entrypoints.keys_cli import keys
    from revcycle.entrypoints.remit_cli import remit
    from revcycle.entrypoints.simulate_cli import simulate
    from revcycle.entrypoints.users_cli import users

    for command in (simulate, findings, remit, users, audit, keys, alerts, *ERP_COMMANDS):
        main.add_command(command)


_register_commands()

if __name__ == "__main__":
    main()
