"""``revcycle audit verify / list / prune``: the hash-chained audit log from the command line.

``verify`` exits 0 when the chain is intact and 4 when any entry was edited, deleted or reordered (it
lists each break). It prints the head (last sequence number and hash): keep that elsewhere and pass it
back with ``--expect-head`` to detect the newest entries being cut off.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from revcycle.bootstrap import Container

EXIT_TAMPERED = 4


def _open() -> Container:
    from revcycle.bootstrap import build
    from revcycle.entrypoints.cli import _settings

    return build(_settings())


@click.group()
def audit() -> None:
    """The audit log: who read PHI, who did what; hash-chained."""


@audit.command("verify")
@click.option("--expect-head", default=None, help="SEQ:HASH printed by an earlier verify")
@click.option("--json", "as_json", is_flag=True)
def verify(expect_head: str | None, as_json: bool) -> None:
    """Check the hash chain; exit 4 on any edited, deleted or reordered entry."""
    result = _open().audit.verify()
    breaks = [{"seq": b.seq, "row_id": b.row_id, "problem": b.problem} for b in result.breaks]
    if expect_head:
        seq, _, digest = expect_head.partition(":")
        if not seq.isdigit() or int(seq) > result.head_seq:
            breaks.append({"seq": int(seq) if seq.isdigit() else None, "row_id": None, "problem": "missing"})
        elif int(seq) == result.head_seq and digest != result.head_hash:
            breaks.append({"seq": int(seq), "row_id": None, "problem": "edited"})
    head = f"{result.head_seq}:{result.head_hash}"
    out = {"intact": not breaks, "entries": result.entries, "head": head, "breaks": breaks}
    if as_json:
        click.echo(json.dumps(out))
    else:
        click.echo(f"audit log: {result.entries} entries, head {head}")
        for b in breaks:
            click.echo(f"  BROKEN at seq {b['seq']} (row {b['row_id']}): {b['problem']}")
        click.echo("chain intact" if not breaks else f"chain BROKEN: {len(breaks)} problem(s)")
    if breaks:
        sys.exit(EXIT_TAMPERED)


@audit.command("list")
@click.option("--actor", default=None)
@click.option("--kind", default=None, help="phi-read, action, denied, auth, system")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def list_entries(actor: str | None, kind: str | None, limit: int, as_json: bool) -> None:
    items = _open().audit.entries(actor=actor, kind=kind, limit=limit)
    if as_json:
        click.echo(json.dumps(items, default=str, indent=2))
        return
    for e in items:
        click.echo(
            f"{e['seq']:>7} {e['at']} {e['actor']:24} {e['kind']:9} {e['outcome']:8} "
            f"{e['method'] or ''} {e['route'] or e['action']} {e['record'] or ''}"
        )


@audit.command("prune")
@click.option("--days", type=click.IntRange(min=1), default=None, help="default: audit_retention_days")
def prune(days: int | None) -> None:
    """Remove entries past the retention period (the chain stays verifiable)."""
    container = _open()
    keep = days or container.settings.audit_retention_days
    removed = container.audit.prune(datetime.now(UTC) - timedelta(days=keep), actor="cli")
    click.echo(f"{removed} audit entries older than {keep} days removed")
