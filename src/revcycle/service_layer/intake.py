"""The edge's logic: turn received bytes into a ``Receipt`` ready for the durable append.

Idempotency (DESIGN.md, "The flow", step 1): the key is derived from the source's own control
numbers (MSH-10; ISA13/GS06/ST02; FHIR id + meta.versionId) *and* the content hash, so that

* a resend (same sender, same control id, same content) maps to the same key and is acknowledged
  again without being processed twice, and
* a different message that reuses a control id the sender already used gets a new key: it is
  processed, and the append flags it as a control-id collision.

Input no adapter can read still gets a receipt (format ``unknown``), keyed by interface and content,
so it is kept as a dead letter and a resend of the same bytes is not dead-lettered twice.

A key is the SHA-256 of that basis, behind a prefix that only decides where the key sorts
(``key_prefix``): equal keys still mean equal bases.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from revcycle.adapters.formats.base import Envelope, FormatError
from revcycle.service_layer.correlation import new_correlation_id


@dataclass(frozen=True, slots=True)
class Receipt:
    raw: bytes
    interface: str
    transport: str
    received_at: datetime
    correlation_id: str
    content_hash: str
    idempotency_key: str
    envelope: Envelope | None
    rejection: FormatError | None = None

    @property
    def format(self) -> str:
        return self.envelope.format if self.envelope else "unknown"

    @property
    def message_type(self) -> str:
        return self.envelope.message_type if self.envelope else "unknown"


@dataclass(frozen=True, slots=True)
class Appended:
    """The outcome of a durable append: the message's id and what the edge should acknowledge."""

    message_id: int
    correlation_id: str
    duplicate: bool
    collision: bool
    status: str


def content_hash(raw: bytes) -> str:
    """SHA-256 of the message without trailing whitespace (senders differ in final CR/LF)."""
    return hashlib.sha256(raw.rstrip(b"\r\n\t \x00")).hexdigest()


def key_prefix(envelope: Envelope | None, interface: str) -> str:
    """Where a key sorts: a short hash of the format and sender, then the control id the sender gave
    (its first 40 characters); empty without a control id. At most 49 characters.

    The inbound log's unique index on the key takes one entry per append. Keys that were bare hashes
    landed on a random leaf page of it each, so a group commit of n messages dirtied n index pages (n
    WAL frames to write, sync and checkpoint), and the pages an append touched spread over the whole
    index as the log grew. Senders number their messages in sequence (HL7 MSH-10 counters or time
    stamps, X12 ISA13), so behind this prefix a sender's keys land next to its previous ones. With
    control ids that do not run in sequence (GUIDs) the keys land as randomly as before. SQLite's work
    per append: bench/RESULTS.md, "Sixth session".

    The rows migration 0012 rewrote take the same prefix from their stored format, sender and control
    id columns (``inbound_log._row`` stores the sender and control id cut at 200 characters, which is
    why the sender is cut there before hashing)."""
    if envelope is None or not envelope.control_id:
        return ""
    sender = (envelope.sender or interface)[:200]
    party = hashlib.blake2b(f"{envelope.format}|{sender}".encode(), digest_size=4).hexdigest()
    return f"{party}{envelope.control_id[:40]}|"


def _basis_hash(envelope: Envelope | None, interface: str, digest: str) -> str:
    if envelope is not None and envelope.control_id:
        basis = f"{envelope.format}|{envelope.sender or interface}|{envelope.control_id}|{digest}"
    else:
        basis = f"{envelope.format if envelope else 'unknown'}|{interface}|{digest}"
    return hashlib.sha256(basis.encode()).hexdigest()


def idempotency_key(envelope: Envelope | None, interface: str, digest: str) -> str:
    return key_prefix(envelope, interface) + _basis_hash(envelope, interface, digest)


def refused_key(envelope: Envelope | None, interface: str, digest: str, code: str) -> str:
    """The key of a message an entry point refused for a reason of its own (``Edge.reject``): apart from
    the same bytes sent correctly, since the refusal may depend on the URL, not on the body."""
    refused = hashlib.sha256(f"refused|{code}|{_basis_hash(envelope, interface, digest)}".encode())
    return key_prefix(envelope, interface) + refused.hexdigest()


def make_receipt(
    raw: bytes,
    *,
    interface: str,
    transport: str,
    identify: Callable[[bytes], Envelope],
    now: datetime | None = None,
    correlation_id: str | None = None,
    envelope: Envelope | None = None,
) -> Receipt:
    """Identify the message (cheap header read) and derive its keys; unreadable input is kept, flagged.
    ``envelope``: what the entry point already read from the message (then ``identify`` is not called)."""
    digest = content_hash(raw)
    rejection: FormatError | None = None
    if envelope is None:
        try:
            envelope = identify(raw)
        except FormatError as exc:
            rejection = exc
    return Receipt(
        raw=raw,
        interface=interface,
        transport=transport,
        received_at=now or datetime.now(UTC),
        correlation_id=correlation_id or new_correlation_id(),
        content_hash=digest,
        idempotency_key=idempotency_key(envelope, interface, digest),
        envelope=envelope,
        rejection=rejection,
    )
