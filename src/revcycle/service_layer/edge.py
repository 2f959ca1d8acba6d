"""The edge: every entry point (MLLP, HTTP, files, NATS) hands received bytes here.

``receive`` identifies the message, appends it durably (group commit) and returns what the entry point
needs to acknowledge: the stored message, whether it was a resend, and the rejection if the bytes
could not be read. Nothing is acknowledged before the commit, and nothing received is dropped:
unreadable input is stored as a dead letter before the rejection is sent.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from revcycle.adapters.formats.base import Envelope, FormatError, TooLarge
from revcycle.service_layer.errors import MessageTooLarge
from revcycle.service_layer.group_commit import GroupCommitter
from revcycle.service_layer.intake import Appended, Receipt, make_receipt, refused_key


class EdgeTelemetry(Protocol):
    def received(self, interface: str, fmt: str, message_type: str, outcome: str, seconds: float) -> None: ...
    def frame_error(self, interface: str, kind: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Accepted:
    receipt: Receipt
    appended: Appended

    @property
    def rejection(self) -> FormatError | None:
        return self.receipt.rejection

    @property
    def outcome(self) -> str:
        if self.appended.duplicate:
            return "duplicate"
        return "rejected" if self.receipt.rejection else "accepted"


class Edge:
    def __init__(
        self,
        identify: Callable[[bytes], Envelope],
        committer: GroupCommitter,
        *,
        max_bytes: int,
        telemetry: EdgeTelemetry | None = None,
    ) -> None:
        self.identify = identify
        self.committer = committer
        self.max_bytes = max_bytes
        self.telemetry = telemetry

    def fits(self, size: int) -> bool:
        return size <= self.max_bytes

    def check_size(self, size: int) -> None:
        if not self.fits(size):
            raise MessageTooLarge(f"message of {size} bytes exceeds the limit of {self.max_bytes} bytes")

    async def reject(self, raw: bytes, error: FormatError, *, interface: str, transport: str) -> Accepted:
        """Keep a message the entry point refused for a reason of its own (e.g. a FHIR body whose type
        disagrees with the URL) as a dead letter, with that reason."""
        receipt = make_receipt(raw, interface=interface, transport=transport, identify=self.identify)
        key = refused_key(receipt.envelope, interface, receipt.content_hash, error.code)
        receipt = dataclasses.replace(receipt, rejection=error, idempotency_key=key)
        accepted = Accepted(receipt, await self.committer.submit(receipt))
        if self.telemetry is not None:
            self.telemetry.received(interface, receipt.format, receipt.message_type, "rejected", 0.0)
        return accepted

    async def reject_oversize(self, prefix: bytes, *, interface: str, transport: str) -> Accepted:
        """Keep the first bytes of an over-size message as a dead letter, and say why it was refused."""
        receipt = make_receipt(prefix, interface=interface, transport=transport, identify=self.identify)
        rejection = TooLarge(f"message exceeds the limit of {self.max_bytes} bytes")
        receipt = dataclasses.replace(receipt, envelope=None, rejection=rejection)
        accepted = Accepted(receipt, await self.committer.submit(receipt))
        if self.telemetry is not None:
            self.telemetry.received(interface, "unknown", "unknown", "rejected", 0.0)
        return accepted

    async def receive(
        self, raw: bytes, *, interface: str, transport: str, envelope: Envelope | None = None
    ) -> Accepted:
        """``envelope``: what the entry point already read from the message's header, when it has
        tokenized it anyway (the HL7 v2 edge, for its ACK); else the format's ``identify`` reads it."""
        started = time.perf_counter()
        self.check_size(len(raw))
        receipt = make_receipt(
            raw, interface=interface, transport=transport, identify=self.identify, envelope=envelope
        )
        appended = await self.committer.submit(receipt)
        accepted = Accepted(receipt, appended)
        if self.telemetry is not None:
            self.telemetry.received(
                interface,
                receipt.format,
                receipt.message_type,
                accepted.outcome,
                time.perf_counter() - started,
            )
        return accepted
