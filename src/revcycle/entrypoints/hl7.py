"""HL7 v2 in: the edge plus ACKs, shared by the MLLP listener and ``POST /api/v1/ingest/hl7v2``.

The ACK is built only after the message's durable commit (HL7 v2.5.1 Ch. 2 §2.9: the accept
acknowledgment means "committed to safe storage"). Outcomes:

* stored (or a resend of a message already held): AA (CA in enhanced mode);
* unreadable (no MSH, bad encoding characters, undecodable...): AR / CR with an ERR saying why; the
  bytes are kept as a dead letter;
* the store cannot take it: AE / CE with code 207, so the sender resends later.
"""

from __future__ import annotations

import logging

from revcycle.adapters.formats.base import Envelope, FormatError
from revcycle.adapters.formats.hl7v2.ack import (
    AckError,
    accept_ack_required,
    build_ack,
    build_reject,
    reject_for,
)
from revcycle.adapters.formats.hl7v2.ack_header import header_of
from revcycle.adapters.formats.hl7v2.batch import split_messages
from revcycle.adapters.formats.hl7v2.errors import APPLICATION_INTERNAL_ERROR
from revcycle.adapters.formats.hl7v2.identify import envelope_of
from revcycle.adapters.formats.hl7v2.message import Message
from revcycle.adapters.formats.hl7v2.tokenizer import tokenize
from revcycle.adapters.mllp.listener import ConnectionInfo
from revcycle.service_layer.edge import Edge
from revcycle.service_layer.errors import TransientError

log = logging.getLogger(__name__)

_NOT_STORED = "message could not be stored; resend later"


class Hl7Intake:
    def __init__(self, edge: Edge) -> None:
        self.edge = edge

    async def handle(self, raw: bytes, *, interface: str, transport: str) -> bytes:
        """Store one message, then answer with its ACK."""
        ack, _ = await self._handle(raw, interface=interface, transport=transport)
        return ack

    async def _handle(self, raw: bytes, *, interface: str, transport: str) -> tuple[bytes, bool]:
        """The ACK, and whether MSH-15 makes it due (see ``on_mllp``). The message is tokenized once,
        before the append: the tokens give the envelope (``envelope_of``, the same as ``identify``
        reads) and, after the commit, the ACK's header. Bytes the tokenizer refuses go the general way
        (``identify``), which keeps them as a dead letter or stores them and answers as below."""
        message: Message | None = None
        envelope: Envelope | None = None
        if self.edge.fits(len(raw)):  # an over-size message is refused before any reading
            try:
                message = tokenize(raw)
                envelope = envelope_of(message)
            except FormatError:  # unreadable, or a header identify rejects too: it says why
                message = None
        try:
            accepted = await self.edge.receive(
                raw, interface=interface, transport=transport, envelope=envelope
            )
        except TransientError:
            log.warning("store unavailable; answering AE on %s", interface)
            return self._error_ack(raw), True
        if accepted.rejection is not None:
            return reject_for(raw, accepted.rejection), True  # unreadable input always gets its reject
        if message is None:  # identify read the header; the tokenizer still objects
            reason = "message stored, header unreadable for the ACK"
            return build_reject(raw, reason, APPLICATION_INTERNAL_ERROR), True
        header = header_of(message)
        # The ACK's own MSH-10: the receipt's correlation id (unique per receipt, and it ties the ACK
        # to the stored message in the log), instead of drawing another random id.
        control = accepted.receipt.correlation_id.replace("-", "")[:20].upper()
        ack = build_ack(message, header=header, control_id=control)
        return ack, accept_ack_required(message, "accept", header=header)

    async def handle_batch(self, raw: bytes, *, interface: str, transport: str) -> list[bytes]:
        """A batch (FHS/BHS, or several messages one after another): one ACK per message."""
        try:
            messages = split_messages(raw).messages
        except FormatError as error:
            accepted = await self.edge.receive(raw, interface=interface, transport=transport)
            return [reject_for(raw, accepted.rejection or error)]
        if not messages:
            return [await self.handle(raw, interface=interface, transport=transport)]
        return [await self.handle(message, interface=interface, transport=transport) for message in messages]

    async def on_mllp(self, payload: bytes, conn: ConnectionInfo) -> bytes:
        """Over MLLP an accept acknowledgment is sent only when due: always in original mode; in
        enhanced mode as MSH-15 asks (HL7 table 0155: AL always, NE never, ER only on error, SU only on
        success). An empty answer sends nothing."""
        ack, due = await self._handle(payload, interface=conn.interface, transport="mllp")
        return ack if due else b""

    async def on_frame_error(self, kind: str, prefix: bytes, conn: ConnectionInfo) -> bytes | None:
        """An over-size frame is refused with AR and its first bytes kept; junk between frames is dropped
        by the listener (it is not a message) and only counted."""
        telemetry = self.edge.telemetry
        if telemetry is not None:
            telemetry.frame_error(conn.interface, kind)
        if kind != "oversize":
            return None
        accepted = await self.edge.reject_oversize(prefix, interface=conn.interface, transport="mllp")
        assert accepted.rejection is not None
        return reject_for(prefix, accepted.rejection)

    @staticmethod
    def _error_ack(raw: bytes) -> bytes:
        try:
            return build_ack(tokenize(raw), "error", error=AckError(APPLICATION_INTERNAL_ERROR, _NOT_STORED))
        except FormatError:
            return build_reject(raw, _NOT_STORED, APPLICATION_INTERNAL_ERROR)
