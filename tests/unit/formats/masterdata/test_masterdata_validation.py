"""The master-data adapter: every kind, per-row validation with specific errors, CSV grouping, code sets
from the shared sample data (NUCC taxonomy 24.0, CMS place of service)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from revcycle.adapters.codesets import nucc, pos_codes
from revcycle.adapters.formats import masterdata
from revcycle.adapters.formats.base import Envelope, MappingError
from revcycle.adapters.formats.masterdata.checks import CodeChecks
from revcycle.domain import commands as c
from revcycle.domain.master_data import AccountType, Contract, GlAccount, PayerClass, PayerClassDefinition
from revcycle.domain.master_loads import PatientRegistration

ENVELOPE = Envelope(format="masterdata", message_type="MD")


@pytest.fixture
def checks(shared_data: Path) -> CodeChecks:
    folder = shared_data / "codesets"
    return CodeChecks(lambda: nucc.taxonomy(folder), lambda: pos_codes.place_of_service_codes(folder))


def load(kind: str, records: list[dict[str, Any]], checks: CodeChecks) -> c.UpsertMasterData:
    parsed = masterdata.parse(json.dumps({"kind": kind, "records": records}).encode())
    [command] = masterdata.to_commands(parsed, ENVELOPE, checks)
    assert isinstance(command, c.UpsertMasterData)
    return command


def test_the_shared_code_sets_load(shared_data: Path) -> None:
    taxonomy = nucc.taxonomy(shared_data / "codesets")
    assert taxonomy is not None and len(taxonomy.codes) > 800
    assert "207Q00000X" in taxonomy and "207q00000x" in taxonomy and "207Q00000Y" not in taxonomy
    pos = pos_codes.place_of_service_codes(shared_data / "codesets")
    assert pos is not None and {"11", "21", "22", "23", "81"} <= pos and "00" not in pos  # 00 is unassigned


def test_an_absent_code_set_is_skipped_not_guessed(tmp_path: Path) -> None:
    assert nucc.taxonomy(tmp_path) is None and pos_codes.place_of_service_codes(tmp_path) is None


def test_provider_rows_are_checked_one_by_one_with_every_problem_named(checks: CodeChecks) -> None:
    command = load(
        "provider",
        [
            {"npi": "1234567893", "name": "Dr. Good", "taxonomy": "207Q00000X"},
            {"npi": "1234567890", "name": "Dr. Bad Digit", "taxonomy": "207Q00000X"},
            {"npi": "1234567893", "name": "", "taxonomy": "999ZZ0000X", "effective_start": "2026-13-01"},
            {"npi": "1245319599", "name": "Org", "is_organization": "maybe"},
        ],
        checks,
    )
    assert [r.npi for r in command.records] == ["1234567893"]  # type: ignore[union-attr]
    assert command.rows == (1,)
    rejected = {r.row: r.errors for r in command.rejected}
    assert rejected[2] == ("npi: not a valid NPI (ten digits with a Luhn check digit)",)
    assert set(rejected[3]) == {
        "name: required",
        "taxonomy: '999ZZ0000X' is not a NUCC taxonomy code",
        "effective_start: not an ISO date (YYYY-MM-DD)",
    }
    assert rejected[4] == ("is_organization: not true or false",)
    assert all("1234567890" not in e and "Bad Digit" not in e for r in command.rejected for e in r.errors)


def test_facility_place_of_service_and_dates(checks: CodeChecks) -> None:
    command = load(
        "facility",
        [
            {"code": "F1", "name": "Main", "place_of_service": "22", "npi": "1245319599"},
            {"code": "F2", "name": "Clinic", "place_of_service": "00"},
            {"code": "F3", "name": "Later", "effective_start": "2026-02-01", "effective_end": "2026-01-01"},
        ],
        checks,
    )
    assert [r.code for r in command.records] == ["F1"]  # type: ignore[union-attr]
    assert {r.row: r.errors for r in command.rejected} == {
        2: ("place_of_service: '00' is not a CMS place-of-service code",),
        3: ("effective_end: before effective_start",),
    }


def test_every_row_invalid_is_a_mapping_error_listing_rows_without_values(checks: CodeChecks) -> None:
    parsed = masterdata.parse(
        json.dumps(
            {"kind": "provider", "records": [{"npi": "1234567890", "name": "Jane Roe"}, {"name": "X"}]}
        ).encode()
    )
    with pytest.raises(MappingError) as caught:
        masterdata.to_commands(parsed, ENVELOPE, checks)
    text = str(caught.value)
    assert "row 1: npi: not a valid NPI" in text and "row 2: npi: required" in text
    assert "1234567890" not in text and "Jane" not in text


def test_contract_rows_fold_into_versions_and_a_bad_line_rejects_its_version(checks: CodeChecks) -> None:
    rows = [
        {"contract_id": "K1", "payer_id": "P1", "procedure_code": "99213", "amount": "80.00"},
        {"contract_id": "K1", "payer_id": "P1", "procedure_code": "99214", "amount": "120.50"},
        {
            "contract_id": "K1",
            "payer_id": "P1",
            "procedure_code": "99213",
            "amount": "85",
            "effective_start": "2026-07-01",
        },
        {"contract_id": "K2", "payer_id": "P2", "procedure_code": "99213", "amount": "ten"},
        {"contract_id": "K2", "payer_id": "P2", "procedure_code": "99214", "amount": "100"},
    ]
    command = load("contract", rows, checks)
    contracts = [r for r in command.records if isinstance(r, Contract)]
    assert [(k.contract_id, k.effective.start, len(k.fee_schedule)) for k in contracts] == [
        ("K1", None, 2),
        ("K1", date(2026, 7, 1), 1),
    ]
    assert contracts[0].expected("99214") == Decimal("120.50")
    assert command.rows == (1, 3)
    assert [(r.row, r.code) for r in command.rejected] == [(4, "K2"), (5, "K2")]
    assert command.rejected[0].errors == ("amount: not a decimal number",)


def test_json_contract_with_a_nested_fee_schedule(checks: CodeChecks) -> None:
    good = {"contract_id": "K8", "payer_id": "P", "fee_schedule": [{"procedure_code": "A", "amount": "5"}]}
    [contract] = load("contract", [good], checks).records
    assert isinstance(contract, Contract) and contract.expected("A") == Decimal("5.00")
    bad = {"contract_id": "K9", "payer_id": "P", "fee_schedule": [{"procedure_code": "A", "amount": "-1"}]}
    parsed = masterdata.parse(json.dumps({"kind": "contract", "records": [bad]}).encode())
    with pytest.raises(MappingError, match=r"fee_schedule\[1\]\.amount: must be a number >= 0"):
        masterdata.to_commands(parsed, ENVELOPE, checks)


def test_payer_classes_and_chart_of_accounts(checks: CodeChecks) -> None:
    classes = load("payer_class", [{"code": "MCR", "name": "Medicare", "category": "medicare"}], checks)
    assert classes.records == (PayerClassDefinition("MCR", "Medicare", PayerClass.MEDICARE),)
    accounts = load(
        "gl_account",
        [
            {"account": "4000", "name": "Patient revenue", "account_type": "revenue", "cost_centre": "6100"},
            {"account": "4100", "name": "Contractual allowances", "account_type": "contra_revenue"},
            {"account": "9999", "name": "No type"},
            {"account": "1200", "name": "AR", "account_type": "receivable"},
        ],
        checks,
    )
    assert accounts.records[0] == GlAccount("4000", "Patient revenue", AccountType.REVENUE, "6100")
    assert {r.row: r.errors[0] for r in accounts.rejected} == {
        3: "account_type: required",
        4: "account_type: not one of asset, liability, equity, revenue, contra_revenue, expense",
    }


def test_patient_rows_group_coverages_and_errors_never_quote_values(checks: CodeChecks) -> None:
    text = (
        "mrn,family_name,given_name,birth_date,sex,payer_id,member_id,rank\n"
        "M1,Roe,Jane,1980-02-03,F,P1,W111,1\n"
        "M1,Roe,Jane,1980-02-03,F,P2,W222,2\n"
        "M2,Doe,John,1975-13-40,M,P1,W333,1\n"
        "M3,Poe,Ann,1990-01-01,F,,,\n"
    )
    parsed = masterdata.parse(masterdata.from_csv("patient", text))
    [command] = masterdata.to_commands(parsed, ENVELOPE, checks)
    assert isinstance(command, c.UpsertMasterData)
    registrations = [r for r in command.records if isinstance(r, PatientRegistration)]
    assert [(r.patient.mrn, [cv.payer_id for cv in r.coverages]) for r in registrations] == [
        ("M1", ["P1", "P2"]),
        ("M3", []),
    ]
    assert registrations[0].coverages[1].rank == 2
    [bad] = command.rejected
    assert bad.row == 3 and bad.code is None and bad.errors == ("birth_date: not an ISO date (YYYY-MM-DD)",)


def test_csv_kind_names_and_unknown_kinds() -> None:
    assert masterdata.KINDS == (
        "payer",
        "payer_class",
        "provider",
        "facility",
        "department",
        "contract",
        "gl_account",
        "patient",
    )
    with pytest.raises(Exception, match="unknown master-data kind"):
        masterdata.from_csv("widget", "a,b\n1,2\n")
