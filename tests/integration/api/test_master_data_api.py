"""Master-data uploads over HTTP on SQLite and PostgreSQL: the change report in the answer and kept,
per-row rejections, effective-dated lookups."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.integration.api.test_api import assert_problem, wait_for

CSV = {"content-type": "text/csv"}
PROVIDERS_V1 = (
    "npi,name,taxonomy,is_organization\n"
    "1234567893,North Clinic,261QP2300X,true\n"
    "1245319599,Dr. Ada Lane,207Q00000X,false\n"
)
PROVIDERS_V2 = (
    "npi,name,taxonomy,is_organization\n"
    "1234567893,North Clinic,261QP2300X,true\n"  # unchanged
    "1245319599,Dr. Ada Lane,207R00000X,false\n"  # taxonomy changed
    "1234567890,Dr. Bad Digit,207Q00000X,false\n"  # NPI check digit wrong
    "1003000126,Dr. New,999ZZ9999X,false\n"  # not a NUCC taxonomy
    "1003000134,Dr. Newer,207Q00000X,false\n"  # added
)


def test_upload_answers_with_its_change_report_and_keeps_it(client: TestClient) -> None:
    first = client.post("/api/v1/master-data/provider", content=PROVIDERS_V1, headers=CSV)
    assert first.status_code == 202, first.text
    report = first.json()["report"]
    assert (report["kind"], report["rows"], report["added"], report["changed"]) == ("provider", 2, 2, 0)

    second = client.post("/api/v1/master-data/provider", content=PROVIDERS_V2, headers=CSV)
    assert second.status_code == 202, second.text
    body = second.json()
    report = body["report"]
    assert {k: report[k] for k in ("rows", "added", "changed", "unchanged", "rejected")} == {
        "rows": 5,
        "added": 1,
        "changed": 1,
        "unchanged": 1,
        "rejected": 2,
    }
    assert report["changed_records"] == [
        {"row": 2, "code": "1245319599", "effective_start": None, "fields": ["taxonomy"]}
    ]
    assert report["added_records"] == [{"row": 5, "code": "1003000134", "effective_start": None}]
    assert report["rejected_rows"] == [
        {
            "row": 3,
            "code": "1234567890",
            "errors": ["npi: not a valid NPI (ten digits with a Luhn check digit)"],
        },
        {"row": 4, "code": "1003000126", "errors": ["taxonomy: '999ZZ9999X' is not a NUCC taxonomy code"]},
    ]

    loads = client.get("/api/v1/master-data/loads", params={"kind": "provider"}).json()["items"]
    assert [(x["id"], x["added"], x["changed"], x["rejected"]) for x in loads] == [
        (body["load_id"], 1, 1, 2),
        (first.json()["load_id"], 2, 0, 0),
    ]
    assert loads[0]["source"] == "erp" and loads[0]["message_id"] == body["message_id"]
    kept = client.get(f"/api/v1/master-data/loads/{body['load_id']}").json()
    assert kept["report"] == report
    assert_problem(client.get("/api/v1/master-data/loads/999999"), 404)

    again = client.post("/api/v1/master-data/provider", content=PROVIDERS_V2, headers=CSV)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["load_id"] == body["load_id"]  # the resend is not loaded twice


def test_effective_dated_versions_and_the_one_valid_on_a_date(client: TestClient) -> None:
    rows = [
        {
            "payer_id": "P1",
            "name": "Acme 2025",
            "effective_start": "2025-01-01",
            "effective_end": "2025-12-31",
        },
        {"payer_id": "P1", "name": "Acme", "timely_filing_days": "90", "effective_start": "2026-01-01"},
        {"payer_id": "P1", "name": "Acme Q2", "effective_start": "2026-04-01", "effective_end": "2026-06-30"},
    ]
    response = client.post("/api/v1/master-data/payer", json=rows)
    assert response.status_code == 202 and response.json()["report"]["added"] == 3

    def name_on(day: str) -> str | None:
        valid = client.get("/api/v1/master-data/payer/P1", params={"on": day}).json()["valid"]
        return None if valid is None else str(valid["data"]["name"])

    assert [name_on(d) for d in ("2024-06-01", "2025-06-01", "2026-02-01", "2026-05-01", "2026-07-01")] == [
        None,
        "Acme 2025",
        "Acme",
        "Acme Q2",
        "Acme",
    ]
    # the ERP closes the 2026 version: dates after its end have no valid version
    closing = [{"payer_id": "P1", "name": "Acme", "timely_filing_days": "90", "effective_start": "2026-01-01",
                "effective_end": "2026-12-31"}]  # fmt: skip
    report = client.post("/api/v1/master-data/payer", json=closing).json()["report"]
    assert report["changed_records"][0]["fields"] == ["effective"]
    assert name_on("2027-01-15") is None and name_on("2026-12-31") == "Acme"
    assert len(client.get("/api/v1/master-data/payer/P1").json()["versions"]) == 3
    assert_problem(client.get("/api/v1/master-data/payer/NOPE"), 404)
    assert_problem(client.get("/api/v1/master-data/widget/X"), 422)


def test_every_kind_uploads(client: TestClient) -> None:
    uploads = {
        "payer_class": [{"code": "COMM", "name": "Commercial", "category": "commercial"}],
        "facility": [{"code": "F1", "name": "Main", "place_of_service": "22", "npi": "1245319599"}],
        "department": [{"code": "D1", "name": "Cardiology", "facility_code": "F1", "cost_centre": "6500"}],
        "contract": [
            {
                "contract_id": "K1",
                "payer_id": "P1",
                "fee_schedule": [{"procedure_code": "99213", "amount": "80"}],
            }
        ],
        "gl_account": [{"account": "4000", "name": "Patient revenue", "account_type": "revenue"}],
        "patient": [
            {"mrn": "M1", "family_name": "Roe", "coverages": [{"payer_id": "P1", "member_id": "W1"}]}
        ],
    }
    for kind, rows in uploads.items():
        response = client.post(f"/api/v1/master-data/{kind}", json={"records": rows})
        assert response.status_code == 202, (kind, response.text)
        report = response.json()["report"]
        assert (report["kind"], report["added"], report["rejected"]) == (kind, 1, 0), kind
    patient_report = client.get("/api/v1/master-data/loads", params={"kind": "patient"}).json()["items"][0]
    assert "M1" not in json.dumps(patient_report) and "Roe" not in json.dumps(patient_report)
    assert_problem(client.post("/api/v1/master-data/widget", json=[]), 422)
    assert_problem(client.post("/api/v1/master-data/payer", content=b"\xff\xfe", headers=CSV), 400)


def test_an_upload_not_loaded_within_wait_answers_without_its_report(client: TestClient) -> None:
    rows = [{"payer_id": "P9", "name": "Late Health"}]
    response = client.post("/api/v1/master-data/payer", json=rows, params={"wait": 0})
    assert response.status_code == 202
    body = response.json()
    if body["report"] is None:  # the worker had not loaded it yet: the report is kept for later
        assert body["load_id"] is None
    loads = wait_for(lambda: client.get("/api/v1/master-data/loads").json()["items"])
    assert loads[0]["message_id"] == body["message_id"] and loads[0]["added"] == 1
    assert_problem(client.post("/api/v1/master-data/payer", json=rows, params={"wait": 61}), 422)
