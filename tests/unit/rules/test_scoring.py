"""The scorer's matching (bench/scoring.py) on a small hand-labelled set with known answers."""

from __future__ import annotations

from bench.scoring import Resolved, score, unlabelled

LABELS = [
    {"kind": "claim", "pcn": "P1", "visit_number": "V1"},
    {"kind": "anomaly", "anomaly": "duplicate_charge", "transaction_ids": ["T9"], "visit_number": "V1"},
    {"kind": "anomaly", "anomaly": "duplicate_charge", "transaction_ids": ["T8", "T7"], "visit_number": "V2"},
    {"kind": "anomaly", "anomaly": "missing_charge", "visit_number": "V3"},
    {"kind": "anomaly", "anomaly": "missing_charge", "visit_number": "V4"},  # still open: pending
    {
        "kind": "anomaly",
        "anomaly": "invalid_icd10",
        "visit_number": "V1",
        "code": "E11",
        "transaction_ids": ["T1"],
    },
    {
        "kind": "anomaly",
        "anomaly": "invalid_hcpcs",
        "visit_number": "V1",
        "code": "A4466",
        "transaction_id": "T1",
    },
    {"kind": "anomaly", "anomaly": "unmapped_service", "appointment_id": "AP1", "service_code": "LOC-1"},
]

FINDINGS = [
    Resolved("duplicate_charge", "charge", "10", transaction_id="T9", visit_number="V1"),  # right
    Resolved("duplicate_charge", "charge", "11", transaction_id="T1", visit_number="V1"),  # wrong line
    Resolved("missing_charge", "encounter", "V3", visit_number="V3"),  # right
    Resolved("missing_charge", "encounter", "V5", visit_number="V5"),  # no label: a false positive
    Resolved("invalid_code", "charge", "12", {"code_system": "ICD-10-CM", "code": "E11"}, visit_number="V1"),
    Resolved(
        "invalid_code", "claim", "3", {"code_system": "ICD-10-CM", "code": "E11"}, visit_number="V1", pcn="P1"
    ),
    Resolved("invalid_code", "charge", "12", {"code_system": "ICD-10-CM", "code": "I25"}, visit_number="V1"),
    Resolved("invalid_code", "charge", "12", {"code_system": "HCPCS", "code": "A4466"}, visit_number="V2"),
    Resolved("unmapped_service", "appointment", "AP1", appointment_id="AP1"),
    Resolved("coding_inconsistency", "claim", "3", {"edit": "mue"}),
]


def test_recall_precision_and_pending_per_anomaly_type() -> None:
    scores = score(LABELS, FINDINGS, pending=lambda label: label.get("visit_number") == "V4")
    dup = scores["duplicate_charge"]
    assert (dup.labels, dup.found, dup.findings, dup.correct) == (2, 1, 2, 1)
    assert (dup.recall, dup.precision) == (0.5, 0.5)
    missing = scores["missing_charge"]
    assert (missing.labels, missing.pending, missing.found, missing.recall) == (2, 1, 1, 1.0)
    assert missing.precision == 0.5
    icd = scores["invalid_icd10"]  # the I25 finding has no label; HCPCS findings are not counted here
    assert (icd.found, icd.findings, icd.correct) == (1, 3, 2)
    hcpcs = scores["invalid_hcpcs"]  # the A4466 finding is on another visit: no match
    assert (hcpcs.found, hcpcs.findings, hcpcs.correct, hcpcs.recall, hcpcs.precision) == (0, 1, 0, 0.0, 0.0)
    assert (scores["unmapped_service"].recall, scores["unmapped_service"].precision) == (1.0, 1.0)


def test_types_without_labels_or_findings_report_none_and_unscored_types_are_counted() -> None:
    scores = score(LABELS, FINDINGS)
    assert scores["underpayment"].recall is None and scores["underpayment"].precision is None
    assert scores["late_charge"].labels == 0
    assert unlabelled(FINDINGS) == {"coding_inconsistency": 1}
