"""Care to cash against a real ``revcycle serve`` over HTTP: appointment booked (SIU S12) -> visit (ADT
A04) -> charges (DFT P03) -> 837P -> 999 -> 277CA -> 835 partial payment with CO-45 and PR-2 -> the claim's
timeline and balances through the API; and the same path ending in a denial that lands in the work queue
with its CARC meaning."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server import ServerProcess
from tests.lifecycle_x12 import ClaimSamples

MSH = "MSH|^~\\&|EPIC|NORTHCLINIC|REVCYCLE|BILLING|{ts}||{type}|{control}|P|2.5.1\r"
PID = "PID|1||MRN{n:04d}^^^NORTH^MR||PATIENT^TEST{n}||19700101|F|||1 TEST ST^^SPRINGFIELD^IL^62701||||||ACCT{n:04d}\r"
PV1 = "PV1|1|O|CLINIC1^^^NORTH||||1234567893^SMITH^JOHN^^^MD||||||||||||V{n:04d}|||||||||||||||||||||||||20261122100000\r"


def hl7_visit(n: int) -> list[bytes]:
    """Book, register, charge (99213-25 125.00 and 93000 48.00) for patient ``n``, visit V000n."""
    ts = "202611220900"
    return [
        (
            MSH.format(ts=ts, type="SIU^S12", control=f"S{n}")
            + f"SCH|APT{n}|APT{n}|||||ROUTINE|||15|MIN|^^15^202611221000^202611221015\r"
            + PID.format(n=n)
            + "RGS|1\rAIS|1||99213^Office visit^CPT|202611221000|||15|MIN\rAIP|1||1234567893^SMITH^JOHN\r"
        ).encode(),
        (
            MSH.format(ts=ts, type="ADT^A04", control=f"A{n}")
            + f"EVN|A04|{ts}\r"
            + PID.format(n=n)
            + PV1.format(n=n)
            + "|".join(["IN1", "1", "BCBS01", "BCBS01", "Blue Cross", *[""] * 31, f"MEM{n:08d}"])  # IN1-36
            + "\r"
        ).encode(),
        (
            MSH.format(ts=ts, type="DFT^P03", control=f"D{n}")
            + f"EVN|P03|{ts}\r"
            + PID.format(n=n)
            + PV1.format(n=n)
            + f"FT1|1|T{n}A||20261122|20261122|CG|99213|||1|125.00|125.00|CARD|||||||1234567893|||||99213|25\r"
            + f"FT1|2|T{n}B||20261122|20261122|CG|93000|||1|48.00|48.00|CARD|||||||1234567893|||||93000\r"
            + "DG1|1||I10^Essential hypertension^I10\r"
        ).encode(),
    ]


class Api:
    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.client = httpx.Client(base_url=url, timeout=20, headers=headers)

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get(path, params={"limit": 1000, **params})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def settle(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.items("/api/v1/messages", status="accepted") and not self.items(
                "/api/v1/messages", status="failed"
            ):
                return
            time.sleep(0.1)
        raise AssertionError("the worker did not drain the log")

    def hl7(self, raw: bytes) -> None:
        response = self.client.post("/api/v1/ingest/hl7v2", content=raw)
        assert response.status_code == 200 and b"MSA|AA|" in response.content, response.text
        self.settle()

    def x12(self, raw: bytes) -> None:
        response = self.client.post("/api/v1/ingest/x12", content=raw)
        assert response.status_code == 200, response.text
        self.settle()

    def claim(self, pcn: str) -> dict[str, Any]:
        [item] = self.items("/api/v1/claims", patient_control_number=pcn)
        detail: dict[str, Any] = self.client.get(f"/api/v1/claims/{item['id']}").json()
        return detail


def test_care_to_cash_partial_payment_and_denial(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    server.start()
    api = Api(server.url, server.headers)
    try:
        paid, denied = ClaimSamples("V0001", 1), ClaimSamples("V0002", 2)
        for n in (1, 2):
            for raw in hl7_visit(n):
                api.hl7(raw)
        appointments = api.items("/api/v1/appointments")
        assert sorted(a["status"] for a in appointments) == ["booked", "booked"]
        charges = api.items("/api/v1/charges")
        assert sum(Decimal(str(c["amount"])) for c in charges) == 2 * Decimal("173.00")
        for samples in (paid, denied):
            api.x12(samples.claim_837())
            api.x12(samples.ack_999())
            api.x12(samples.ack_277ca())
        api.x12(paid.remit_partial())
        api.x12(denied.remit_denied())

        # The partially paid claim: its whole life on one page, every step with its message.
        claim = api.claim("V0001")
        assert claim["status"] == "posted"
        assert Decimal(str(claim["total_charge"])) == Decimal("173.00")  # = the visit's charges
        steps = [(e["to_status"], e["message_type"]) for e in claim["timeline"] if e["kind"] == "transition"]
        assert steps == [
            ("submitted", "837P"),
            ("acknowledged", "999"),
            ("accepted", "277CA"),
            ("partially_paid", "835"),
            ("posted", "835"),
        ]
        messages = {m["id"]: m for m in api.items("/api/v1/messages")}
        for event in claim["timeline"]:
            assert messages[event["message_id"]]["correlation_id"] == event["correlation_id"]
        assert claim["balance"] == {
            "charges": "173.00",
            "insurance_paid": "80.00",
            "contractual": "25.00",
            "other_adjustments": "0.00",
            "denied": "48.00",
            "patient_responsibility": "20.00",
            "patient_paid": "0.00",
            "insurance_balance": "48.00",
            "patient_balance": "20.00",
        }
        assert claim["account"]["patient_balance"] == "20.00"
        [payment] = api.items("/api/v1/remittances", claim_id=claim["id"])
        groups = {(a["group"], a["reason"]) for s in payment["services"] for a in s["adjustments"]}
        assert {("CO", "45"), ("PR", "2"), ("CO", "97")} == groups
        assert Decimal(str(payment["paid"])) == 80 and Decimal(str(payment["patient_responsibility"])) == 20

        # The denied claim: in the work queue with its CARC and what it means.
        lost = api.claim("V0002")
        assert lost["status"] == "denied" and lost["balance"]["insurance_balance"] == "173.00"
        queue = api.items("/api/v1/findings", type="denial", subject_id=str(lost["id"]))
        [denial] = queue
        assert denial["status"] == "open"
        assert "CO-29" in denial["summary"] and "time limit for filing has expired" in denial["summary"]
        assert {r["meaning"] for r in denial["details"]["reasons"]} == {
            "The time limit for filing has expired."
        }
        assert "MRN0002" not in str(denial) and "TEST2" not in str(denial)  # no PHI in the work queue
    finally:
        api.client.close()
        server.stop()
