"""Patient payments through the real pipeline (HTTP edge, inbound log, worker, store) on SQLite and
PostgreSQL: 837 -> 999 -> 277CA -> 835 leaving PR-2 20.00 to the patient -> a DFT^P03 with FT1-6 = PY
naming the visit: the payment is applied, the claim closes, the claim and patient pages show patient
responsibility, paid, balance and credit; a second payment is an overpayment left as credit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.api.test_api import wait_for
from tests.integration.api.test_lifecycle_api import drained, send, the_claim
from tests.lifecycle_x12 import ClaimSamples

PCN = "V3001"
MSH = "MSH|^~\\&|CASHIER|NORTHCLINIC|REVCYCLE|BILLING|202612201000||DFT^P03|{control}|P|2.5.1\r"
PID = "PID|1||MRN3001^^^NORTH^MR||PATIENT^TEST||19700101|F|||1 TEST ST^^SPRINGFIELD^IL^62701|||||||ACCT3001\r"
PV1 = "|".join(["PV1", "1", "O", "CLINIC1^^^NORTH", *[""] * 15, PCN]) + "\r"  # PV1-19 the visit


def paid_in_full_remit(s: ClaimSamples) -> bytes:
    """The partial 835 with the 93000 line paid too (30.00, CO-45 18.00): the payer owes nothing more,
    the patient owes PR-2 20.00 on 99213."""
    raw = s.remit_partial(allowed="100", paid="80").decode()
    for old, new in (
        ("BPR*I*80*", "BPR*I*110*"),
        (f"CLP*{PCN}*1*173*80*20", f"CLP*{PCN}*1*173*110*20"),
        ("SVC*HC:93000*48*0**1", "SVC*HC:93000*48*30**1"),
        ("CAS*CO*97*48", "CAS*CO*45*18"),
    ):
        assert old in raw
        raw = raw.replace(old, new)
    return raw.encode()


def payment(control: str, reference: str, amount: str) -> bytes:
    ft1 = f"FT1|1|{reference}|P20261220|20261220|20261220|PY|PATPAY^Patient payment^L|||1|{amount}\r"
    return (MSH.format(control=control) + "EVN|P03|202612201000\r" + PID + PV1 + ft1).encode()


def hl7(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/v1/ingest/hl7v2", content=raw)
    assert response.status_code == 200 and b"MSA|AA|" in response.content, response.text
    wait_for(lambda: drained(client))


def patient_billing(client: TestClient) -> dict[str, Any]:
    [patient] = client.get("/api/v1/patients", params={"account": "ACCT3001"}).json()["items"]
    found: dict[str, Any] = client.get(f"/api/v1/patients/{patient['id']}").json()["billing"]
    return found


def test_a_dft_patient_payment_pays_the_pr2_share_and_closes_the_claim(client: TestClient) -> None:
    s = ClaimSamples(PCN, 31)
    for raw in (s.claim_837(), s.ack_999(), s.ack_277ca(), paid_in_full_remit(s)):
        send(client, raw)
    claim = the_claim(client, PCN)
    assert claim["status"] == "posted"
    assert claim["balance"]["insurance_balance"] == "0.00" and claim["balance"]["patient_balance"] == "20.00"

    hl7(client, payment("PAY1", "PAY000000001", "20.00"))
    claim = the_claim(client, PCN)
    assert claim["status"] == "closed"
    balance = {k: claim["balance"][k] for k in ("patient_responsibility", "patient_paid", "patient_balance")}
    assert balance == {"patient_responsibility": "20.00", "patient_paid": "20.00", "patient_balance": "0.00"}
    assert claim["account"]["patient_paid"] == "20.00" and claim["account"]["patient_balance"] == "0.00"
    [applied] = claim["patient_payments"]
    assert applied["reference"] == "PAY000000001" and applied["kind"] == "payment"
    assert Decimal(str(applied["amount"])) == Decimal("20.00")
    events = [(e["kind"], e["message_type"]) for e in claim["timeline"]]
    assert events[-2:] == [("patient_payment", "DFT_P03"), ("transition", "DFT_P03")]
    steps = [(e["from_status"], e["to_status"]) for e in claim["timeline"] if e["kind"] == "transition"]
    assert steps[-2:] == [("paid", "posted"), ("posted", "closed")]
    billing = patient_billing(client)
    assert billing["position"] == {
        "patient_responsibility": "20.00",
        "patient_paid": "20.00",
        "patient_balance": "0.00",
        "credit": "0.00",
    }
    assert [v["patient_control_number"] for v in billing["visits"]] == [PCN]

    # The patient pays again: nothing is owed, the amount is the patient's credit; the claim stays closed.
    hl7(client, payment("PAY2", "PAY000000002", "15.00"))
    billing = patient_billing(client)
    assert billing["position"]["credit"] == "15.00" and billing["position"]["patient_balance"] == "0.00"
    assert [p["unapplied"] for p in billing["payments"]] == ["0.00", "15.00"]
    assert the_claim(client, PCN)["status"] == "closed"
    assert len(the_claim(client, PCN)["patient_payments"]) == 1
    assert "MRN3001" not in str(billing) and "ACCT3001" not in str(billing)
