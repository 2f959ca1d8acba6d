"""The labels are ground truth a scorer can match to what revcycle stores: every anomaly label points at
messages that really carry the anomaly, claim labels are consistent, and control numbers are unique
per sender (MSH-10; ISA13, GS06, ST02)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from revcycle.adapters.formats import hl7v2
from revcycle.adapters.formats.hl7v2.message import Message
from revcycle.simulator.codes import CodeSets
from tests.integration.simulator.conftest import Run


def _anomalies(run: Run, name: str) -> list[dict[str, Any]]:
    found = [r for r in run.labels if r["kind"] == "anomaly" and r["anomaly"] == name]
    assert found, f"no {name} anomaly in the run"
    return found


def _messages(run: Run, message_type: str) -> list[Message]:
    return [hl7v2.parse(e.payload) for e in run.of_type(message_type) if not e.resend]


def test_control_numbers_are_unique_per_sender(sim_run: Run) -> None:
    hl7 = Counter((e.sender, e.control_id) for e in sim_run.emissions if e.format == "hl7v2" and not e.resend)
    assert max(hl7.values()) == 1
    seen: dict[str, Counter[str]] = {"ISA": Counter(), "GS": Counter(), "ST": Counter()}
    for emission in (e for e in sim_run.emissions if e.format == "x12"):
        text = emission.payload.decode()
        sender = text[35:50].strip()
        seen["ISA"][f"{sender}:{text[90:99]}"] += 1
        seen["GS"].update(f"{sender}:{m}" for m in re.findall(r"^GS\*(?:[^*]*\*){5}([^*]*)\*", text, re.M))
        seen["ST"].update(f"{sender}:{m}" for m in re.findall(r"^ST\*[^*]*\*([^*~]*)", text, re.M))
    assert all(max(counter.values()) == 1 for counter in seen.values())


def test_hl7_fields_where_the_standard_puts_them(sim_run: Run) -> None:
    siu = _messages(sim_run, "SIU_S15")[0]
    assert (
        siu.get("SCH-25") == "Cancelled"
        and siu.get("AIS-3.3") in ("C4", "L")
        and siu.get("PID-3.4") == "SYNMPI"
    )
    dft = _messages(sim_run, "DFT_P03")[0]
    assert (
        dft.get("FT1-6") == "CG"
        and dft.get("FT1-2", "").startswith("T")
        and dft.get("PV1-19", "").startswith("V")
    )
    assert dft.get("FT1-25") and dft.get("FT1-20.13") == "NPI" and float(dft.get("FT1-11") or 0) > 0
    admit = next(m for m in _messages(sim_run, "ADT_A01") if m.segment("IN1") is not None)
    assert (
        admit.get("PV1-2") == "I"
        and admit.get("PV1-44")
        and admit.get("IN1-36")
        and admit.get("IN1-22") == "1"
    )
    discharge = _messages(sim_run, "ADT_A03")[0]
    assert discharge.get("PV1-45") and discharge.get("PV1-36") == "01" and discharge.get("PV1-7.13") == "NPI"
    assert discharge.get("PV1-10") == discharge.get("PV1-3") and discharge.get("PV1-19.5") == "VN"
    line = dft.segment("FT1")
    assert (
        line is not None
        and len(line.value(4)) == 8
        and line.value(7, 1, 3) == "CDM"
        and line.value(10) == "1"
    )
    assert (
        line.value(13)
        and line.value(16, 1, 4)
        and line.value(19, 1, 3) == "I10"
        and line.value(21, 1, 13) == "NPI"
    )


def test_claim_labels_are_consistent(sim_run: Run) -> None:
    claims = [r for r in sim_run.labels if r["kind"] == "claim"]
    assert len({(r["pcn"], r["rank"]) for r in claims}) == len(claims)
    for record in claims:
        assert 0.0 <= record["denial_probability"] <= 1.0
        assert record["clean"] == (not record["rejected"] and not record["denied"])
        assert bool(record["carcs"]) == record["denied"]
        assert record["final_denied"] <= record["denied"]
        assert set(record["causes"]) >= set(record["denial_causes"]) - {"noise"}
    rejected = {r["pcn"] for r in claims if r["rejected"] and r["created_day"] < sim_run.config.days - 2}
    text = b"".join(e.payload for e in sim_run.of_type("277CA")).decode()
    assert rejected and all(re.search(rf"TRN\*2\*{pcn}~\nSTC\*A7:", text) for pcn in rejected)


def test_duplicate_anomalies_are_in_the_messages(sim_run: Run) -> None:
    for record in _anomalies(sim_run, "duplicate_resend"):
        copies = [
            e
            for e in sim_run.emissions
            if e.control_id == record["control_id"] and e.sender == record["sender"]
        ]
        assert len(copies) == 2 and copies[0].payload == copies[1].payload and copies[1].resend
    dfts = {m.control_id: m for m in _messages(sim_run, "DFT_P03")}
    ids_by_control = {c: {s.value(2) for s in m.segments("FT1")} for c, m in dfts.items()}
    all_ids = set().union(*ids_by_control.values())
    for record in _anomalies(sim_run, "duplicate_charge"):
        assert set(record["transaction_ids"]) == ids_by_control[record["control_id"]]
        assert set(record["original_transaction_ids"]) <= all_ids - ids_by_control[record["control_id"]]


def test_encounter_and_code_anomalies_are_in_the_messages(sim_run: Run, code_sets: CodeSets) -> None:
    charged = {m.get("PV1-19") for m in _messages(sim_run, "DFT_P03")}
    charged |= {
        e.payload.split(b'"reference":"Encounter/')[1][:10].decode() for e in sim_run.of_type("ChargeItem")
    }
    for record in _anomalies(sim_run, "missing_charge"):
        assert record["visit_number"] not in charged
    booked = {m.get("SCH-1"): m for m in _messages(sim_run, "SIU_S12")}
    for record in _anomalies(sim_run, "unmapped_service"):
        if record["appointment_id"] in booked:
            message = booked[record["appointment_id"]]
            assert message.get("AIS-3") == record["service_code"] and message.get("AIS-3.3") == "L"
    for record in _anomalies(sim_run, "invalid_icd10"):
        assert record["code"] in code_sets.icd10_headers and not code_sets.is_billable(record["code"])
    for record in _anomalies(sim_run, "invalid_hcpcs"):
        assert record["code"] in code_sets.hcpcs_terminated
    lines = {s.value(2): s for m in _messages(sim_run, "DFT_P03") for s in m.segments("FT1")}
    for record in _anomalies(sim_run, "invalid_hcpcs"):
        if record["transaction_id"] in lines:
            assert lines[record["transaction_id"]].value(25) == record["code"]


def test_master_data_and_payment_anomalies(sim_run: Run) -> None:
    departments = [e for e in sim_run.of_type("MD_DEPARTMENT")]
    for record in _anomalies(sim_run, "unmapped_department"):
        code = record["department_code"].encode()
        assert not any(code + b"," in e.payload for e in departments if e.day <= record["day"])
    payers = [e for e in sim_run.of_type("MD_PAYER")]
    for record in _anomalies(sim_run, "unmapped_payer"):
        assert not any(record["payer_id"].encode() in e.payload for e in payers if e.day <= record["day"])
    remits = b"".join(e.payload for e in sim_run.of_type("835")).decode()
    checked = 0
    for record in _anomalies(sim_run, "underpayment"):
        assert record["paid_allowed"] < record["expected_allowed"]
        claim = re.search(
            rf"CLP\*{record['pcn']}\*[^~]*\*{record['payer_claim_control_number']}\*.*?(?=CLP|SE\*)",
            remits,
            re.S,
        )
        if claim is not None:
            line = re.search(
                rf"REF\*6R\*{re.escape(record['line_control_number'])}~\nAMT\*B6\*([0-9.]+)", claim.group(0)
            )
            assert line is not None and abs(float(line.group(1)) - record["paid_allowed"]) < 0.005
            checked += 1
    assert checked
    claims = b"".join(e.payload for e in sim_run.emissions if e.message_type in ("837P", "837I")).decode()
    for record in _anomalies(sim_run, "missing_documentation"):
        original = re.search(rf"CLM\*{record['pcn']}\*[^~]*:1\*.*?(?=CLM\*|SE\*)", claims, re.S)
        assert original is not None and "PWK*" not in original.group(0)
