"""ERP posting and reconciliation on the command line: ``revcycle gl check``, ``revcycle erp build | post
| replay | journals``, ``revcycle erp-emulator`` and ``revcycle reconcile``.

Registered on the main group by ``entrypoints/cli.py``. Exit codes as the rest of the CLI: 0 success,
1 invalid settings or mapping, 2 gaps or unexplained breaks found, 3 the ERP or store unreachable.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import sys
import threading
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from revcycle.bootstrap import ErpParts
    from revcycle.domain.control_facts import Policy, Report
    from revcycle.settings import Settings

EXIT_SETTINGS, EXIT_FOUND, EXIT_UNAVAILABLE = 1, 2, 3


def _settings(**overrides: Any) -> Settings:
    from revcycle.settings import SettingsError, load_settings

    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        for name, why in error.problems:
            click.echo(f"invalid setting {name}: {why}", err=True)
        sys.exit(EXIT_SETTINGS)


def _emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def _engine(settings: Settings) -> Engine:
    from revcycle.bootstrap import store_engine

    return store_engine(settings)


def _now() -> datetime:
    return datetime.now(UTC)


def _parts(settings: Settings) -> ErpParts:
    from revcycle.adapters.erp.registry import ErpConfigError
    from revcycle.bootstrap import build_erp
    from revcycle.domain.gl_mapping import GlMappingError

    engine = _engine(settings)
    try:
        return build_erp(settings, engine)
    except GlMappingError as error:
        for problem in error.problems:
            click.echo(f"GL mapping: {problem}", err=True)
        sys.exit(EXIT_SETTINGS)
    except (ErpConfigError, ValueError, OSError) as error:
        click.echo(f"ERP settings: {error}", err=True)
        sys.exit(EXIT_SETTINGS)


@click.group("gl")
def gl() -> None:
    """The GL mapping: validate it and list its gaps."""


@gl.command("check")
@click.option(
    "--mapping", type=click.Path(path_type=Path, dir_okay=False), help="default: REVCYCLE_ERP_GL_MAPPING"
)
@click.option("--json", "as_json", is_flag=True)
def gl_check(mapping: Path | None, as_json: bool) -> None:
    """Validate the GL mapping file and list every gap against the transactions in the store."""
    from revcycle.adapters.erp import gl_file
    from revcycle.adapters.store.erp_sources import every_transaction
    from revcycle.adapters.store.migrate import upgrade
    from revcycle.domain.gl_mapping import GlGap, GlMappingError

    settings = _settings()
    path = mapping or settings.erp_gl_mapping
    if path is None:
        click.echo("no GL mapping: give --mapping or set REVCYCLE_ERP_GL_MAPPING", err=True)
        sys.exit(EXIT_SETTINGS)
    try:
        rules = gl_file.load(path)
    except GlMappingError as error:
        _emit({"valid": False, "problems": error.problems}, as_json, "\n".join(error.problems))
        sys.exit(EXIT_SETTINGS)
    engine = _engine(settings)
    upgrade(engine)
    gaps: dict[str, dict[str, Any]] = {}
    checked = 0
    for found in every_transaction(engine):
        checked += 1
        target = rules.resolve(found.transaction.kind, found.dims)
        if isinstance(target, GlGap):
            entry = gaps.setdefault(target.reason, {"gap": target.reason, "missing": list(target.missing)})
            entry["transactions"] = entry.get("transactions", 0) + 1
            entry["amount"] = str(found.transaction.amount + Decimal(entry.get("amount", "0")))
    listed = sorted(gaps.values(), key=lambda g: -int(g["transactions"]))
    text = f"{len(rules.rules)} rules valid; {checked} transactions checked; {len(listed)} gap(s)"
    text += "".join(f"\n  {g['gap']}: {g['transactions']} transaction(s), {g['amount']}" for g in listed)
    _emit({"valid": True, "rules": len(rules.rules), "checked": checked, "gaps": listed}, as_json, text)
    if listed:
        sys.exit(EXIT_FOUND)


@click.group("erp")
def erp() -> None:
    """ERP posting: build journals, post them, replay dead ones, list them."""


@erp.command("build")
@click.option("--sweep", is_flag=True, help="re-read every source row (repairs rows taken without items)")
@click.option("--json", "as_json", is_flag=True)
def erp_build(sweep: bool, as_json: bool) -> None:
    """One journal-builder pass: new transactions -> mapped or quarantined -> summarised journals."""
    from revcycle.adapters.store.erp_ledger import SqlLedgerSession

    parts = _parts(_settings())
    if sweep:
        engine = parts.outbox.engine
        parts.builder.ledger = lambda: SqlLedgerSession(engine, sweep=True)
    report = parts.builder.run_once(_now())
    data = {
        "items": report.items,
        "journals": report.journals,
        "lines": report.lines,
        "quarantined": report.quarantined,
        "released": report.released,
        "gaps": list(report.gaps),
    }
    text = (
        f"{report.items} new transaction(s); {report.journals} journal(s), {report.lines} line(s); "
        f"{report.quarantined} quarantined, {report.released} released"
    )
    _emit(data, as_json, text + "".join(f"\n  gap: {g}" for g in report.gaps))


@erp.command("post")
@click.option("--loop", is_flag=True, help="keep running (the poster process); Ctrl-C or SIGTERM stops")
@click.option("--json", "as_json", is_flag=True)
def erp_post(loop: bool, as_json: bool) -> None:
    """Build journals and relay the outbox to the ERP (until nothing is due, or forever with --loop)."""
    settings = _settings()
    parts = _parts(settings)
    if loop:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"posting to the {parts.poster.gateway.name} ERP; Ctrl-C stops", err=True)
        parts.poster.run_forever(
            stop, _now, poll_seconds=settings.erp_poll_seconds, before_round=parts.builder.run_once
        )
        return
    built = parts.builder.run_once(_now())
    totals: dict[str, int] = defaultdict(int)
    while True:
        report = parts.poster.run_once(_now())
        for name in ("sent", "acknowledged", "lines", "retried", "dead"):
            totals[name] += getattr(report, name)
        if report.sent == 0 or report.acknowledged == 0:
            break
    data = {"built": built.journals, "quarantined": built.quarantined, **totals}
    text = (
        f"{built.journals} journal(s) built; {totals['acknowledged']} acknowledged by the ERP "
        f"({totals['lines']} lines), {totals['retried']} to retry, {totals['dead']} dead"
    )
    _emit(data, as_json, text)
    if totals["retried"] or totals["dead"]:
        sys.exit(EXIT_UNAVAILABLE)


@erp.command("replay")
@click.argument("keys", nargs=-1)
@click.option("--all", "replay_all", is_flag=True, help="every dead journal")
@click.option("--json", "as_json", is_flag=True)
def erp_replay(keys: tuple[str, ...], replay_all: bool, as_json: bool) -> None:
    """Dead-lettered journals back to the outbox (by idempotency key, or --all)."""
    if not keys and not replay_all:
        click.echo("give journal keys or --all", err=True)
        sys.exit(EXIT_SETTINGS)
    parts = _parts(_settings())
    count = parts.outbox.replay(_now(), keys)
    _emit({"replayed": count}, as_json, f"{count} journal(s) back in the outbox")


@erp.command("journals")
@click.option("--status", default=None)
@click.option("--kind", default=None)
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def erp_journals(status: str | None, kind: str | None, limit: int, as_json: bool) -> None:
    """Journals with their ERP acknowledgments."""
    from revcycle.adapters.store.billing_queries import Page
    from revcycle.adapters.store.journal_queries import JournalQueries
    from revcycle.adapters.store.migrate import upgrade

    engine = _engine(_settings())
    upgrade(engine)
    rows = JournalQueries(engine).journals(Page(None, limit), status=status, kind=kind)
    text = "\n".join(
        f"{r['id']:>6} {r['key']:<60} {r['status']:<12} {r['debit_total']:>12} {r['document_id'] or ''}"
        for r in rows
    )
    _emit({"items": rows}, as_json, text or "no journals")


@click.command("erp-emulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token", envvar="REVCYCLE_ERP_EMULATOR_TOKEN", default=None, help="bearer token to require")
@click.option("--state", type=click.Path(path_type=Path, dir_okay=False), help="keep journals in this file")
def erp_emulator(host: str, port: int, token: str | None, state: Path | None) -> None:
    """An ERP emulator (real HTTP): accepts journals idempotently by key, returns document ids, and can
    be told to fail, be slow, or time out after committing (POST /control)."""
    from revcycle.adapters.erp.emulator import EmulatorServer

    server = EmulatorServer(host, port, token=token, state=state)
    click.echo(f"ERP emulator listening on {server.url}", err=False)
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def report_csv(report: Report) -> str:
    """The control report as CSV: one row per day and checkpoint, then one row per break."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ("section", "day", "checkpoint_or_break", "count", "amount", "expected", "subject", "explained")
    )
    data = report.to_dict()
    for day in data["days"]:
        for name, point in day.items():
            if name != "day":
                writer.writerow(("checkpoint", day["day"], name, point["count"], point["amount"], "", "", ""))
    for name, point in data["totals"].items():
        writer.writerow(("total", "", name, point["count"], point["amount"], "", "", ""))
    for b in data["breaks"]:
        subject = f"{b['subject_kind']}:{b['subject_id']}"
        writer.writerow(
            ("break", b["day"], b["kind"], 1, b["amount"], b["expected"], subject, b["explained"])
        )
    return buffer.getvalue()


def period_bounds(period: str | None, start: date | None, end: date | None) -> tuple[date, date]:
    if period:
        try:
            first = date.fromisoformat(f"{period}-01")
        except ValueError:
            raise click.BadParameter("expected YYYY-MM", param_hint="--period") from None
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first, following - timedelta(days=1)
    today = _now().date()
    return start or today.replace(day=1), end or today


@click.command("reconcile")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="first day")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="last day")
@click.option("--period", default=None, help="a posting period YYYY-MM (instead of --from/--to)")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None)
@click.option(
    "--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False), help="write the report as CSV"
)
@click.option("--findings/--no-findings", default=True, show_default=True, help="raise findings for breaks")
@click.option("--json", "as_json", is_flag=True)
def reconcile(
    start: datetime | None,
    end: datetime | None,
    period: str | None,
    as_of: datetime | None,
    csv_path: Path | None,
    findings: bool,
    as_json: bool,
) -> None:
    """The control report: charges = claims = remittances = postings, per day and period, with every
    break (exit 2 when a break is unexplained)."""
    from revcycle.adapters.store.migrate import upgrade
    from revcycle.adapters.store.reconciliation_queries import control_report, raise_findings

    settings = _settings()
    first, last = period_bounds(period, start.date() if start else None, end.date() if end else None)
    moment = as_of.replace(tzinfo=UTC) if as_of else _now()
    engine = _engine(settings)
    upgrade(engine)
    policy = recon_policy(settings)
    report = control_report(engine, first, last, moment, policy)
    raised = raise_findings(engine, report, policy, _now()) if findings else 0
    if csv_path is not None:
        csv_path.write_text(report_csv(report), encoding="utf-8")
    data = report.to_dict()
    data["findings_raised"] = raised
    totals = data["totals"]
    text = [f"reconciliation {first} .. {last} (as of {moment:%Y-%m-%d %H:%M})"]
    text += [f"  {name:<22} {p['count']:>8} {p['amount']:>16}" for name, p in totals.items()]
    text.append(f"  breaks: {data['summary']['breaks']}, unexplained: {data['summary']['unexplained']}")
    text += [
        f"  ! {b['day']} {b['kind']} {b['subject_kind']} {b['subject_id']} {b['amount']}/{b['expected']} "
        f"{b['reason']}"
        for b in data["breaks"]
        if not b["explained"]
    ]
    _emit(data, as_json, "\n".join(text))
    if report.unexplained:
        sys.exit(EXIT_FOUND)


def recon_policy(settings: Settings) -> Policy:
    from revcycle.domain.control_facts import Policy

    return Policy(
        claim_lag_days=settings.recon_claim_lag_days,
        ack_grace=timedelta(minutes=settings.recon_ack_grace_minutes),
        variance_amount=settings.recon_variance_amount,
    )


COMMANDS = (gl, erp, erp_emulator, reconcile)
