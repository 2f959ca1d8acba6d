"""The audit log's hash chain: each entry's hash covers its own fields and the previous entry's hash,
so editing, deleting or reordering any entry breaks every link after it (the verify command finds the
first break). Pure functions; the store (``adapters/store/audit_log.py``) appends and reads.

With a ``key`` (derived from the PHI key ring, which is never in the database) the links are
HMAC-SHA256 (RFC 2104): someone who can write to the database but does not hold the key cannot
recompute the chain after an edit, so even a carefully rewritten chain fails verification.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "roles", "action", "kind", "method", "route", "record", "source", "outcome")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One event. ``record`` names what was touched (ids, route parameters), never PHI values."""

    actor: str
    action: str
    kind: str  # phi-read, action, denied, auth, system
    outcome: str = "ok"
    roles: str = ""
    method: str | None = None
    route: str | None = None
    record: str | None = None
    source: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def moment_text(at: datetime) -> str:
    """A time as hashed: UTC, microseconds (what both back ends keep)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, row: dict[str, Any], key: bytes | None = None) -> str:
    """SHA-256 (HMAC-SHA256 with ``key``) over the previous hash and the entry's fields as canonical
    JSON."""
    body = {name: row.get(name) for name in FIELDS}
    body["at"] = moment_text(row["at"])
    body["detail"] = row.get("detail") or {}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    message = f"{prev_hash}|{canonical}".encode()
    if key is not None:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


@dataclass(frozen=True, slots=True)
class Break:
    seq: int | None
    row_id: int
    problem: str  # edited, missing, reordered


def verify_rows(
    rows: list[dict[str, Any]], *, start_hash: str = GENESIS, start_seq: int = 1, key: bytes | None = None
) -> list[Break]:
    """Walk rows (in storage order: by id) and report every break of the chain."""
    breaks: list[Break] = []
    prev_hash, expected_seq = start_hash, start_seq
    for row in rows:
        seq = int(row["seq"])
        if seq != expected_seq:
            breaks.append(Break(seq, row["id"], "missing" if seq > expected_seq else "reordered"))
        elif row["prev_hash"] != prev_hash:
            breaks.append(Break(seq, row["id"], "missing"))
        if entry_hash(row["prev_hash"], row, key) != row["hash"]:
            breaks.append(Break(seq, row["id"], "edited"))
        prev_hash, expected_seq = row["hash"], seq + 1
    return breaks
