"""The seam every format adapter implements, and the format layer's errors.

A format adapter turns raw bytes into canonical commands in three steps:

* ``identify(raw)`` reads only the header (MSH, ISA/GS/ST, resourceType/id/meta) to learn the message
  type, the source's control id and the partition key. The edge calls it before the durable append, so
  it must be cheap and must never need the whole message to be valid.
* ``parse(raw)`` builds the format's native structure (segments, loops, typed resources).
* ``to_commands(parsed, envelope)`` maps the native structure to canonical commands
  (``revcycle.domain.commands``).

Error texts are PHI-free by rule: they name segments, positions, element numbers and codes, never a
field's value. The edge and the worker show them to senders and store them as dead-letter reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class FormatError(Exception):
    """Base of the format layer's errors. ``reason`` is PHI-free text; ``code`` is a stable machine code."""

    code = "format_error"

    def __init__(self, reason: str, *, location: str | None = None, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.location = location
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.reason} (at {self.location})" if self.location else self.reason


class UnreadableMessage(FormatError):
    """Structurally unreadable: rejected at once (HL7 AR, HTTP 4xx, X12 TA1/999 R) and dead-lettered."""

    code = "unreadable"


class UnknownFormat(UnreadableMessage):
    """No adapter recognises the bytes."""

    code = "unknown_format"


class TooLarge(UnreadableMessage):
    """Over the entry point's per-message limit: rejected, and its first bytes kept as a dead letter."""

    code = "too_large"


class MappingError(FormatError):
    """Readable, but it cannot become canonical commands (a required element is missing or invalid)."""

    code = "mapping_error"


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the edge learns from a message's header before the durable append."""

    format: str
    message_type: str
    control_id: str | None = None
    sender: str | None = None
    receiver: str | None = None
    version: str | None = None
    partition_key: str | None = None


class FormatAdapter(Protocol):
    """One module per format implements this (module-level functions satisfy it)."""

    name: str

    def identify(self, raw: bytes) -> Envelope: ...

    def parse(self, raw: bytes) -> Any: ...

    def to_commands(self, parsed: Any, envelope: Envelope) -> Sequence[Any]: ...
