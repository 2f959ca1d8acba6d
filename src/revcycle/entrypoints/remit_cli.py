"""``revcycle remit enter FILE``: a paper remittance keyed in by hand, posted as an 835 is.

FILE holds the manual remittance object of ``adapters.formats.manualremit`` (``--by`` and ``--source``
fill or override ``entered_by`` and ``source``; ``--at`` ``entered_at``, default now). Into the local
store (appended to the inbound log, then the worker posts it) or, with ``--url``, to a running server's
``POST /api/v1/remittances``. Exit codes as the other commands: 2 rejected, 3 server unreachable.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

EXIT_USAGE, EXIT_REJECTED, EXIT_UNAVAILABLE = 1, 2, 3


@click.group()
def remit() -> None:
    """Remittances entered by hand (paper EOBs)."""


def _document(path: Path, by: str | None, source: str | None, at: datetime | None) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        click.echo(f"{path.name}: not UTF-8 JSON", err=True)
        sys.exit(EXIT_USAGE)
    if isinstance(document, dict) and isinstance(document.get("manual_remittance"), dict):
        document = document["manual_remittance"]
    if not isinstance(document, dict):
        click.echo(f"{path.name}: expected a JSON object (a manual remittance)", err=True)
        sys.exit(EXIT_USAGE)
    if by:
        document["entered_by"] = by
    if source:
        document["source"] = source
    if at is not None:
        document["entered_at"] = (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()
    document.setdefault("entered_at", datetime.now(UTC).isoformat())
    return document


@remit.command("enter")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", default=lambda: os.environ.get("USER"), show_default="$USER", help="who entered it")
@click.option("--source", default=None, help="paper EOB, lockbox, payer portal... (else the file's)")
@click.option("--at", type=click.DateTime(), default=None, help="when it was entered (default now, UTC)")
@click.option("--url", default=None, help="send to a running server instead of the local store")
@click.option("--json", "as_json", is_flag=True)
def enter(
    path: Path, by: str | None, source: str | None, at: datetime | None, url: str | None, as_json: bool
) -> None:
    """Post a paper remittance through the same path as an 835."""
    from revcycle.adapters.formats import manualremit
    from revcycle.entrypoints.cli import _emit, _settings

    settings = _settings()
    document = _document(path, by, source, at)
    if url:
        result, rejected = _remote(url, document, settings.api_token)
    else:
        result, rejected = _local(settings, manualremit.wire(document))
    text = (
        f"rejected: {result['reason']}"
        if rejected
        else f"message {result['message_id']} ({'duplicate' if result['duplicate'] else 'accepted'})"
        + (f", {result['processed']} processed" if "processed" in result else "")
    )
    _emit(result, as_json, text)
    if rejected:
        sys.exit(EXIT_REJECTED)


def _remote(url: str, document: dict[str, Any], token: str | None) -> tuple[dict[str, Any], bool]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/api/v1/remittances", json=document, headers=headers, timeout=30
        )
    except httpx.HTTPError as error:
        click.echo(f"cannot reach {url}: {type(error).__name__}", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    body: dict[str, Any] = response.json()
    if response.status_code >= 400:
        return {"reason": body.get("detail", response.text), "status": response.status_code}, True
    return body, False


def _local(settings: Any, wire: bytes) -> tuple[dict[str, Any], bool]:
    from revcycle.bootstrap import build
    from revcycle.service_layer.intake import make_receipt

    container = build(settings)
    receipt = make_receipt(wire, interface="manual", transport="cli", identify=container.formats.identify)
    [appended] = container.inbound_log.append_batch([receipt])
    if receipt.rejection is not None:
        return {"reason": str(receipt.rejection), "message_id": appended.message_id}, True
    processed = container.worker.drain()
    return {
        "message_id": appended.message_id,
        "correlation_id": appended.correlation_id,
        "duplicate": appended.duplicate,
        "processed": processed,
    }, False
