"""A claim's life through the HTTP API on SQLite and PostgreSQL: 837 -> 999 -> 277CA -> 835 posted (with
line matching, balances, an underpayment against the contract), denials with CARC meanings in the work
queue, corrected claims answered by a reversal, and paper remittances entered by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.test_api import assert_problem, wait_for
from tests.lifecycle_x12 import ClaimSamples

CONTRACT_CSV = (
    "contract_id,payer_id,procedure_code,amount,tolerance,effective_start,effective_end\n"
    "BC-2026,BCBS01,99213,100.00,0.50,2026-01-01,\n"
    "BC-2026,BCBS01,93000,30.00,0.50,2026-01-01,\n"
)


def drained(client: TestClient) -> bool:
    pending = client.get("/api/v1/messages", params={"status": "accepted"}).json()["items"]
    return not pending


def send(client: TestClient, raw: bytes) -> dict[str, Any]:
    response = client.post("/api/v1/ingest/x12", content=raw)
    assert response.status_code == 200, response.text
    wait_for(lambda: drained(client))
    body: dict[str, Any] = response.json()
    return body


def the_claim(client: TestClient, pcn: str) -> dict[str, Any]:
    [item] = client.get("/api/v1/claims", params={"patient_control_number": pcn}).json()["items"]
    detail: dict[str, Any] = client.get(f"/api/v1/claims/{item['id']}").json()
    return detail


def findings(client: TestClient, type_: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/v1/findings", params={"type": type_}).json()["items"]
    return items


@pytest.fixture
def contracted(client: TestClient) -> TestClient:
    response = client.post(
        "/api/v1/master-data/contract", content=CONTRACT_CSV, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 202, response.text
    wait_for(lambda: drained(client))
    return client


def test_a_claim_from_837_to_posted_835_with_balances_and_an_underpayment(contracted: TestClient) -> None:
    client, s = contracted, ClaimSamples("V1001", 1)
    send(client, s.claim_837())
    send(client, s.ack_999())
    send(client, s.ack_277ca())
    send(client, s.remit_partial(allowed="90", paid="70"))  # the contract says 100 for 99213
    claim = the_claim(client, "V1001")
    assert claim["status"] == "posted" and claim["payer_claim_control_number"] == s.icn
    steps = [(e["from_status"], e["to_status"]) for e in claim["timeline"] if e["kind"] == "transition"]
    assert steps == [
        ("draft", "submitted"),
        ("submitted", "acknowledged"),
        ("acknowledged", "accepted"),
        ("accepted", "partially_paid"),
        ("partially_paid", "posted"),
    ]
    types = [e["message_type"] for e in claim["timeline"]]
    assert types[:3] == ["837P", "999", "277CA"] and set(types[3:]) == {"835"}
    assert all(e["correlation_id"] for e in claim["timeline"])
    assert claim["balance"] == {
        "charges": "173.00",
        "insurance_paid": "70.00",
        "contractual": "35.00",
        "other_adjustments": "0.00",
        "denied": "48.00",
        "patient_responsibility": "20.00",
        "patient_paid": "0.00",
        "insurance_balance": "48.00",
        "patient_balance": "20.00",
    }
    lines = {p["line_number"]: p for p in claim["posted_lines"]}
    assert {n: p["match"] for n, p in lines.items()} == {1: "line_control_number", 2: "line_control_number"}
    assert Decimal(str(lines[1]["expected"])) == Decimal("100") and Decimal(str(lines[1]["underpaid"])) == 10
    [under] = findings(client, "underpayment")
    assert under["subject_id"] == str(claim["id"]) and under["details"]["shortfall"] == "10.00"
    [bundled] = findings(client, "denial")  # the 93000 line, bundled: a line-level denial
    assert bundled["details"]["carc"] == ["CO-97"] and bundled["details"]["whole_claim"] is False
    [rarc] = bundled["details"]["rarc"]
    assert rarc["code"] == "M15" and rarc["meaning"].startswith("Separately billed services")
    [remit] = client.get("/api/v1/remittances", params={"claim_id": claim["id"]}).json()["items"]
    assert remit["source"] == "835" and Decimal(str(remit["paid"])) == 70 and len(remit["posted_lines"]) == 2
    # The same 835 again is acknowledged and flagged, never posted twice.
    resent = send(client, s.remit_partial(allowed="90", paid="70").replace(b"000004001", b"000004091"))
    assert resent["duplicate"] is False  # a new interchange carrying the same payment
    assert the_claim(client, "V1001")["balance"]["insurance_paid"] == "70.00"
    assert len(findings(client, "duplicate_remittance")) == 1


def test_a_denial_lands_in_the_work_queue_with_its_carc_meaning(client: TestClient) -> None:
    s = ClaimSamples("V2001", 2)
    for raw in (s.claim_837(), s.ack_999(), s.ack_277ca(), s.remit_denied()):
        send(client, raw)
    claim = the_claim(client, "V2001")
    assert claim["status"] == "denied"
    assert claim["balance"]["denied"] == "173.00" and claim["balance"]["insurance_balance"] == "173.00"
    [denial] = findings(client, "denial")
    assert denial["subject_kind"] == "claim" and denial["subject_id"] == str(claim["id"])
    assert "CO-29 The time limit for filing has expired." in denial["summary"]
    reasons = denial["details"]["reasons"]
    assert {(r["code"], r["line"]) for r in reasons} == {("29", 1), ("29", 2)}
    assert all(r["meaning"] == "The time limit for filing has expired." for r in reasons)
    assert reasons[0]["group_meaning"].startswith("Contractual Obligations")
    assert denial["details"]["rarc"] == [
        {"code": "N211", "meaning": "Alert: You may not appeal this decision."}
    ]


def test_a_dropped_modifier_is_matched_by_code_and_date(client: TestClient) -> None:
    s = ClaimSamples("V3001", 3)
    for raw in (s.claim_837(), s.ack_999(), s.remit_partial(drop_modifier=True)):
        send(client, raw)
    [first, _] = the_claim(client, "V3001")["posted_lines"]
    assert first["match"] == "line_control_number"  # REF*6R still wins; without it:
    s2 = ClaimSamples("V3002", 4)
    send(client, s2.claim_837())
    send(client, s2.remit_partial(drop_modifier=True).replace(b"REF*6R*V3002-1~", b""))
    [first, second] = the_claim(client, "V3002")["posted_lines"]
    assert (first["line_number"], first["match"]) == (1, "modifier_dropped")
    assert second["match"] == "line_control_number"


def test_a_corrected_claim_a_reversal_and_a_new_payment(client: TestClient) -> None:
    s = ClaimSamples("V4001", 5)
    for raw in (s.claim_837(), s.ack_999(), s.ack_277ca(), s.remit_denied()):
        send(client, raw)
    corrected = ClaimSamples("V4001", 6)
    send(client, corrected.claim_837(frequency="7", original_icn=s.icn))
    claims = client.get("/api/v1/claims", params={"patient_control_number": "V4001"}).json()["items"]
    assert sorted((c["frequency"], c["status"]) for c in claims) == [("1", "replaced"), ("7", "submitted")]
    reversal = (
        s.remit_denied()
        .replace(b"CLP*V4001*4*173*0*", b"CLP*V4001*22*-173*0*")
        .replace(b"*125~", b"*-125~")
        .replace(b"*48~", b"*-48~")
        .replace(b"SVC*HC:99213:25*125*", b"SVC*HC:99213:25*-125*")
        .replace(b"SVC*HC:93000*48*", b"SVC*HC:93000*-48*")
        .replace(b"EFT00000005D", b"EFT00000005R")
    )
    send(client, reversal)
    send(client, corrected.remit_partial())
    by_frequency = {c["frequency"]: c["id"] for c in claims}
    original = client.get(f"/api/v1/claims/{by_frequency['1']}").json()
    replacement = client.get(f"/api/v1/claims/{by_frequency['7']}").json()
    assert original["status"] == "replaced" and original["balance"]["denied"] == "0.00"
    assert original["timeline"][-1]["kind"] == "reversal"
    assert replacement["status"] == "posted" and replacement["balance"]["insurance_paid"] == "80.00"
    assert replacement["account"]["insurance_paid"] == "80.00"
    assert findings(client, "illegal_transition") == []


def test_a_paper_remittance_entered_by_hand_is_posted_like_an_835(client: TestClient) -> None:
    s = ClaimSamples("V5001", 7)
    for raw in (s.claim_837(), s.ack_999()):
        send(client, raw)
    entry = {
        "entered_by": "jdoe",
        "source": "paper EOB",
        "trace_number": "CHK-77",
        "payer_id": "BCBS01",
        "payment_amount": "153.00",
        "claims": [
            {
                "patient_control_number": "V5001",
                "charge": "173.00",
                "paid": "153.00",
                "services": [
                    {"procedure_code": "99213", "modifiers": ["25"], "charge": "125", "paid": "110",
                     "service_date": "2026-11-22", "adjustments": [{"group": "CO", "reason": "45", "amount": "15"}]},
                    {"procedure_code": "93000", "charge": "48", "paid": "43", "service_date": "2026-11-22",
                     "adjustments": [{"group": "CO", "reason": "45", "amount": "5"}]},
                ],
            }
        ],
    }  # fmt: skip
    response = client.post("/api/v1/remittances", content=json.dumps(entry))
    assert response.status_code == 202, response.text
    wait_for(lambda: drained(client))
    claim = the_claim(client, "V5001")
    assert claim["status"] == "closed"  # all paid but the write-off: nothing owed
    assert [p["match"] for p in claim["posted_lines"]] == ["code_modifiers_date", "code_modifiers_date"]
    [remit] = client.get("/api/v1/remittances", params={"trace_number": "CHK-77"}).json()["items"]
    assert remit["source"] == "manual"
    assert remit["manual_entry"]["entered_by"] == "jdoe" and remit["manual_entry"]["source"] == "paper EOB"
    assert remit["manual_entry"]["entered_at"]
    assert [
        r["trace_number"]
        for r in client.get("/api/v1/remittances", params={"source": "manual"}).json()["items"]
    ] == ["CHK-77"]
    again = client.post(
        "/api/v1/remittances", content=json.dumps(entry | {"entered_at": "2026-12-01T10:00:00Z"})
    )
    assert again.status_code == 202
    wait_for(lambda: drained(client))
    assert the_claim(client, "V5001")["balance"]["insurance_paid"] == "153.00"  # not posted twice
    assert len(findings(client, "duplicate_remittance")) == 1


def test_an_invalid_paper_remittance_is_a_problem_and_a_dead_letter(client: TestClient) -> None:
    body = assert_problem(client.post("/api/v1/remittances", content=b'{"entered_by": "jdoe"}'), 400)
    assert "source" in body["detail"] or "trace_number" in body["detail"]
    assert_problem(client.post("/api/v1/remittances", content=b"not json"), 400)
    dead = client.get("/api/v1/dead-letters").json()["items"]
    assert len(dead) == 2


def test_a_claim_built_from_a_visits_charges_is_submitted_by_its_837(client: TestClient) -> None:
    from tests.e2e.test_claim_lifecycle import hl7_visit

    for raw in hl7_visit(8):
        response = client.post("/api/v1/ingest/hl7v2", content=raw)
        assert b"MSA|AA|" in response.content, response.text
        wait_for(lambda: drained(client))
    [visit] = client.get("/api/v1/encounters").json()["items"]
    built = client.post("/api/v1/claims", json={"encounter_id": visit["id"], "billing_npi": "1234567893"})
    assert built.status_code == 201, built.text
    claim = built.json()
    assert (claim["status"], claim["problems"]) == ("scrubbed", []), claim["problems"]
    assert claim["patient_control_number"] == "V0008" and claim["payer_id"] == "BCBS01"
    assert [(line["procedure_code"], line["line_control_number"]) for line in claim["lines"]] == [
        ("99213", "V0008-1"),
        ("93000", "V0008-2"),
    ]
    assert claim["balance"]["charges"] == "173.00"
    again = client.post("/api/v1/claims", json={"encounter_id": visit["id"]})
    assert again.status_code == 200 and again.json()["id"] == claim["id"]
    samples = ClaimSamples("V0008", 8)
    send(client, samples.claim_837())
    send(client, samples.ack_999())
    submitted = client.get(f"/api/v1/claims/{claim['id']}").json()
    steps = [(e["from_status"], e["to_status"]) for e in submitted["timeline"] if e["kind"] == "transition"]
    assert steps == [("draft", "scrubbed"), ("scrubbed", "submitted"), ("submitted", "acknowledged")]
    assert len(client.get("/api/v1/claims", params={"patient_control_number": "V0008"}).json()["items"]) == 1
    assert findings(client, "duplicate_claim") == []


def test_building_a_claim_for_an_unknown_encounter_is_a_404(client: TestClient) -> None:
    assert_problem(client.post("/api/v1/claims", json={"encounter_id": 999}), 404)
    assert_problem(client.post("/api/v1/claims", json={"encounter_id": "x"}), 422)
