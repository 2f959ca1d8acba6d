"""Manual (paper) remittances as a format: sniffed, identified, validated with specific errors, mapped to
the same canonical remittance an 835 becomes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from revcycle.adapters.formats import manualremit
from revcycle.adapters.formats.base import MappingError, UnreadableMessage
from revcycle.adapters.formats.registry import load_registry, sniff
from revcycle.domain import commands as c
from revcycle.domain.remittances import AdjustmentGroup, ClaimPaymentStatus


def entry(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "entered_by": "jdoe",
        "entered_at": "2026-03-21T09:30:00+00:00",
        "source": "paper EOB",
        "trace_number": "CHK-5521",
        "payer_id": "PAYER-A",
        "payment_amount": "80.00",
        "payment_date": "2026-03-20",
        "claims": [
            {
                "patient_control_number": "PCN1001",
                "status": "1",
                "charge": "173.00",
                "paid": "80.00",
                "patient_responsibility": "20.00",
                "services": [
                    {
                        "procedure_code": "99213",
                        "modifiers": ["25"],
                        "charge": "125.00",
                        "paid": "80.00",
                        "service_date": "2026-02-16",
                        "adjustments": [
                            {"group": "CO", "reason": "45", "amount": "25.00"},
                            {"group": "PR", "reason": "2", "amount": "20.00"},
                        ],
                    },
                    {
                        "procedure_code": "93000",
                        "charge": "48.00",
                        "paid": "0.00",
                        "adjustments": [{"group": "CO", "reason": "97", "amount": "48.00"}],
                        "remarks": ["M15"],
                    },
                ],
            }
        ],
    }
    return document | overrides


def test_sniffed_and_identified() -> None:
    raw = manualremit.wire(entry())
    assert sniff(raw) == "manualremit"
    envelope = load_registry().identify(raw)
    assert (envelope.format, envelope.message_type, envelope.sender, envelope.partition_key) == (
        "manualremit",
        "REMIT_MANUAL",
        "jdoe",
        "PCN1001",
    )
    assert envelope.control_id is not None and envelope.control_id.startswith("CHK-5521:")


def test_mapped_to_the_canonical_remittance() -> None:
    raw = manualremit.wire(entry())
    [command] = manualremit.to_commands(manualremit.parse(raw), manualremit.identify(raw))
    assert isinstance(command, c.RecordManualRemittance)
    assert (command.entered_by, command.source, command.entered_at.isoformat()) == (
        "jdoe",
        "paper EOB",
        "2026-03-21T09:30:00+00:00",
    )
    remittance = command.remittance
    assert (remittance.trace_number, remittance.payer_id, remittance.balance_difference) == (
        "CHK-5521",
        "PAYER-A",
        Decimal(0),
    )
    [payment] = remittance.claims
    assert payment.status is ClaimPaymentStatus.PRIMARY and payment.balance_difference == 0
    first, second = payment.services
    assert first.modifiers == ("25",) and first.adjustments[1].group is AdjustmentGroup.PATIENT_RESPONSIBILITY
    assert second.remarks == ("M15",) and payment.service_date is not None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (entry(entered_by=""), "entered_by, source and trace_number must not be empty"),
        (entry(claims=[]), "at least one claim payment"),
        (entry(entered_at="2026-03-21T09:30:00"), "entered_at needs a time zone"),
        (entry(payment_amount="lots"), "payment_amount"),
        (entry(surprise=1), "surprise"),
        ({k: v for k, v in entry().items() if k != "source"}, "source"),
    ],
)
def test_invalid_entries_are_rejected_with_a_specific_reason(document: dict[str, Any], message: str) -> None:
    with pytest.raises(UnreadableMessage, match=message):
        manualremit.identify(manualremit.wire(document))


def test_not_json_or_not_an_object() -> None:
    with pytest.raises(UnreadableMessage, match="not UTF-8 JSON"):
        manualremit.identify(b'{"manual_remittance": nope')
    with pytest.raises(UnreadableMessage, match="needs a"):
        manualremit.identify(json.dumps({"manual_remittance": [1]}).encode())


def test_unknown_group_or_status_is_a_mapping_error() -> None:
    bad_group = entry()
    bad_group["claims"][0]["services"][0]["adjustments"][0]["group"] = "XX"
    raw = manualremit.wire(bad_group)
    with pytest.raises(MappingError, match="group must be CO, PR, OA, PI or CR"):
        manualremit.to_commands(manualremit.parse(raw), manualremit.identify(raw))
    bad_status = entry()
    bad_status["claims"][0]["status"] = "99"
    raw = manualremit.wire(bad_status)
    with pytest.raises(MappingError, match="CLP02"):
        manualremit.to_commands(manualremit.parse(raw), manualremit.identify(raw))
