"""``parse``: bytes (or a binary stream) to an :class:`X12Document` of typed transaction sets.

Each transaction set is parsed by its type (ST01): 837 -> :class:`~.models837.ClaimTransaction`,
835 -> :class:`~.models835.Remittance835`, 277 -> :class:`~.ack277.ClaimStatusTransaction`,
999/997 -> :class:`~.ack999.FunctionalAck`. Other types (270, 271, 276, 834, ...) are identified, kept
and acknowledged, but not mapped (``content`` is None). TA1 segments become
:class:`~.ack999.InterchangeAck`.

``strict`` (the default of :func:`parse`) raises :class:`~.errors.InterchangeRejected` when an interchange
has rejecting TA1 notes (invalid ISA fields, missing IEA, content outside GS/GE); set-level and group-level
problems never raise: they are in each set's ``ack`` and each group's ``errors``, ready for the 999.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from revcycle.adapters.formats.x12.ack277 import ClaimStatusTransaction, parse_claim_status
from revcycle.adapters.formats.x12.ack999 import (
    FunctionalAck,
    InterchangeAck,
    parse_functional_ack,
    parse_ta1,
)
from revcycle.adapters.formats.x12.claim837 import parse_claims
from revcycle.adapters.formats.x12.envelope import (
    EnvelopeReader,
    GroupHeader,
    InterchangeHeader,
    InterchangeSummary,
    TransactionAck,
    TransactionSet,
)
from revcycle.adapters.formats.x12.errors import InterchangeRejected
from revcycle.adapters.formats.x12.models835 import Remittance835
from revcycle.adapters.formats.x12.models837 import ClaimTransaction
from revcycle.adapters.formats.x12.reader import DEFAULT_CHUNK_SIZE, Source
from revcycle.adapters.formats.x12.remit835 import parse_remittance

Content = ClaimTransaction | Remittance835 | ClaimStatusTransaction | FunctionalAck
PARSERS: Mapping[str, Callable[[TransactionSet], Any]] = MappingProxyType(
    {
        "837": parse_claims,
        "835": parse_remittance,
        "277": parse_claim_status,
        "999": parse_functional_ack,
        "997": parse_functional_ack,
    }
)


def message_type_of(transaction_type: str, implementation: str) -> str:
    """``837P``/``837I`` from the implementation reference, ``277CA`` for X214, else ST01."""
    if transaction_type == "837":
        return "837I" if "X223" in implementation else "837P"
    if transaction_type == "277" and "X214" in implementation:
        return "277CA"
    return transaction_type


@dataclass(slots=True)
class ParsedTransaction:
    """A transaction set's envelope context, acknowledgment record, message type and parsed content."""

    message_type: str
    ack: TransactionAck
    group: GroupHeader
    interchange: InterchangeHeader
    content: Content | None

    @property
    def accepted(self) -> bool:
        return self.ack.accepted

    @property
    def control_number(self) -> str:
        return self.ack.control_number


def parse_transaction(ts: TransactionSet) -> ParsedTransaction:
    """Parse one transaction set by its ST01; the message type follows the content (837P vs 837I)."""
    parser = PARSERS.get(ts.transaction_type)
    content: Content | None = parser(ts) if parser is not None else None
    implementation = ts.implementation or ts.group.version
    if isinstance(content, ClaimTransaction):
        message_type = content.variant
    else:
        message_type = message_type_of(ts.transaction_type, implementation)
    return ParsedTransaction(message_type, ts.ack, ts.group, ts.interchange, content)


@dataclass(slots=True)
class X12Document:
    """Everything in one input: interchanges (envelope, checks), parsed sets, TA1 acknowledgments."""

    interchanges: list[InterchangeSummary] = field(default_factory=list)
    transactions: list[ParsedTransaction] = field(default_factory=list)
    interchange_acks: list[InterchangeAck] = field(default_factory=list)

    @property
    def message_type(self) -> str:
        """The first set's type, ``TA1`` for an interchange that only carries TA1s, else ``X12``."""
        if self.transactions:
            return self.transactions[0].message_type
        return "TA1" if self.interchange_acks else "X12"

    @property
    def rejected(self) -> bool:
        return any(ic.rejected for ic in self.interchanges)

    def claims(self) -> list[ClaimTransaction]:
        return [t.content for t in self.transactions if isinstance(t.content, ClaimTransaction)]

    def remittances(self) -> list[Remittance835]:
        return [t.content for t in self.transactions if isinstance(t.content, Remittance835)]

    @property
    def claim_count(self) -> int:
        return sum(len(c.claims) for c in self.claims())

    @property
    def charge_total(self) -> Decimal:
        return sum((c.charge_total for c in self.claims()), Decimal(0))

    @property
    def paid_total(self) -> Decimal:
        return sum((r.paid_total for r in self.remittances()), Decimal(0))


def iter_transactions(
    source: Source, *, strict: bool = False, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> tuple[EnvelopeReader, Iterator[ParsedTransaction]]:
    """Streaming parse: the envelope reader (its ``interchanges`` fill as it goes) and an iterator of
    parsed sets; each set's segments are released once it is parsed, so memory stays bounded."""
    reader = EnvelopeReader(source, strict=strict, chunk_size=chunk_size)

    def walk() -> Iterator[ParsedTransaction]:
        for ts in reader:
            parsed = parse_transaction(ts)
            ts.release()
            yield parsed

    return reader, walk()


def parse(raw: Source, *, strict: bool = True) -> X12Document:
    """Parse every interchange in ``raw``; see the module docstring for ``strict``."""
    reader, transactions = iter_transactions(raw, strict=strict)
    document = X12Document(transactions=list(transactions))
    document.interchanges = reader.interchanges
    for ic in reader.interchanges:
        document.interchange_acks.extend(parse_ta1(segment) for segment in ic.ta1_segments)
    if strict:
        for ic in reader.interchanges:
            rejecting = [n for n in ic.notes if n.rejects]
            if rejecting:
                raise InterchangeRejected(
                    "interchange rejected: " + "; ".join(n.reason for n in rejecting),
                    location="ISA/IEA",
                    ta1_code=rejecting[0].code,
                    notes=tuple(ic.notes),
                )
    return document
