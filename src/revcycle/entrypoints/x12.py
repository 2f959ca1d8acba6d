"""X12 in over HTTP: store the interchange durably, then answer with a JSON summary of every
transaction set and the acknowledgments we return (a 999 per functional group, X231A1; a TA1 when
the sender asked for one in ISA14 or the interchange has envelope errors).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from revcycle.adapters.formats.base import FormatError
from revcycle.adapters.formats.x12.document import X12Document, parse
from revcycle.adapters.formats.x12.gen999 import build_999, build_ta1, group_status, transaction_status
from revcycle.adapters.formats.x12.models835 import Remittance835
from revcycle.adapters.formats.x12.models837 import ClaimTransaction
from revcycle.adapters.formats.x12.writer import Party12
from revcycle.service_layer.edge import Edge

_NO_999_FOR = frozenset({"FA"})  # never acknowledge an acknowledgment (GS01 FA = 999/997)


@dataclass(frozen=True, slots=True)
class X12Answer:
    status: int
    body: dict[str, Any]


def summarise(document: X12Document) -> list[dict[str, Any]]:
    """Per transaction set: type, control numbers, status, claim count and totals (DESIGN.md)."""
    out = []
    for parsed in document.transactions:
        status, codes = transaction_status(parsed.ack)
        item: dict[str, Any] = {
            "type": parsed.message_type,
            "control_number": parsed.control_number,
            "group_control_number": parsed.group.control_number,
            "interchange_control_number": parsed.interchange.control_number,
            "status": "accepted" if status == "A" else "rejected",
            "errors": codes,
        }
        content = parsed.content
        if isinstance(content, ClaimTransaction):
            item["claims"] = len(content.claims)
            item["charge_total"] = str(content.charge_total)
        elif isinstance(content, Remittance835):
            item["claims"] = len(content.claims)
            item["paid_total"] = str(content.paid_total)
            item["payment_amount"] = str(content.payment_amount)
        out.append(item)
    return out


def acknowledgments(document: X12Document, sender: Party12, control_number: int) -> dict[str, Any]:
    """The 999 for each interchange's groups (except FA groups) and TA1s where due."""
    now = datetime.now(UTC)
    acks: dict[str, Any] = {"999": [], "ta1": []}
    for offset, interchange in enumerate(document.interchanges):
        number = (control_number + offset) % 1_000_000_000 or 1
        if interchange.header.ack_requested == "1" or interchange.notes:
            acks["ta1"].append(build_ta1(interchange, sender=sender, control_number=number, now=now).decode())
        groups = [g for g in interchange.groups if g.header.functional_id not in _NO_999_FOR]
        if groups:
            text = build_999(interchange.header, groups, sender=sender, control_number=number, now=now)
            acks["999"].append(
                {
                    "text": text.decode(),
                    "groups": [
                        {"group_control_number": g.header.control_number, "status": group_status(g)[0]}
                        for g in groups
                    ],
                }
            )
    return acks


async def ingest_x12(edge: Edge, raw: bytes, *, interface: str, sender: Party12) -> X12Answer:
    accepted = await edge.receive(raw, interface=interface, transport="http")
    receipt: dict[str, Any] = {
        "message_id": accepted.appended.message_id,
        "correlation_id": accepted.appended.correlation_id,
        "duplicate": accepted.appended.duplicate,
    }
    if accepted.rejection is not None:
        return X12Answer(400, {**receipt, "status": "rejected", **_rejection(accepted.rejection)})
    try:
        document = await asyncio.to_thread(parse, raw, strict=False)
    except FormatError as error:  # identify read the ISA; the full read can still fail
        return X12Answer(400, {**receipt, "status": "rejected", **_rejection(error)})
    body = {
        **receipt,
        "status": "rejected" if document.rejected else "accepted",
        "transactions": summarise(document),
        "acknowledgments": acknowledgments(document, sender, accepted.appended.message_id),
    }
    return X12Answer(200 if not document.rejected else 400, body)


def _rejection(error: FormatError) -> dict[str, Any]:
    return {"reason": str(error), "code": error.code, "ta1_code": getattr(error, "ta1_code", None)}
