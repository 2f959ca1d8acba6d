"""ERP master data (UpsertMasterData) through the message bus: stored by kind, code and effective start."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from revcycle.domain import commands as c
from revcycle.domain.master_data import (
    Contract,
    Department,
    Effective,
    Facility,
    FeeScheduleEntry,
    Payer,
    PayerClass,
    Provider,
)
from tests.unit.service_layer.builders import Harness

PAYER_2025 = Payer(
    "PAYER-A",
    "Acme Health",
    PayerClass.COMMERCIAL,
    timely_filing_days=180,
    effective=Effective(date(2025, 1, 1), date(2025, 12, 31)),
)
PAYER_2026 = Payer(
    "PAYER-A",
    "Acme Health Plans",
    PayerClass.COMMERCIAL,
    timely_filing_days=90,
    effective=Effective(date(2026, 1, 1)),
)


def test_records_are_stored_by_code_and_effective_start(harness: Harness) -> None:
    ctx = harness.send(c.UpsertMasterData("payer", (PAYER_2025, PAYER_2026)))
    versions = harness.store.master_data.versions("payer", "PAYER-A")
    assert [(v.start, v.end) for v in versions] == [
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), None),
    ]
    assert versions[1].data == {
        "payer_id": "PAYER-A",
        "name": "Acme Health Plans",
        "payer_class": "commercial",
        "timely_filing_days": 90,
        "effective": {"start": "2026-01-01", "end": None},
    }
    assert {v.correlation_id for v in versions} == {ctx.correlation_id}


def test_find_returns_the_version_valid_on_a_date(harness: Harness) -> None:
    harness.send(c.UpsertMasterData("payer", (PAYER_2025, PAYER_2026)))
    md = harness.store.master_data
    found_2025 = md.find("payer", "PAYER-A", date(2025, 6, 1))
    found_2026 = md.find("payer", "PAYER-A", date(2026, 6, 1))
    latest = md.find("payer", "PAYER-A", None)
    assert found_2025 is not None and found_2025["timely_filing_days"] == 180
    assert found_2026 is not None and found_2026["timely_filing_days"] == 90
    assert latest is not None and latest["name"] == "Acme Health Plans"
    assert md.find("payer", "PAYER-A", date(2024, 6, 1)) is None
    assert md.find("provider", "PAYER-A", None) is None


def test_the_same_version_again_replaces_it_in_place(harness: Harness) -> None:
    harness.send(c.UpsertMasterData("payer", (PAYER_2026,)))
    renamed = Payer("PAYER-A", "Acme Renamed", PayerClass.COMMERCIAL, effective=Effective(date(2026, 1, 1)))
    ctx = harness.send(c.UpsertMasterData("payer", (renamed,)))
    [version] = harness.store.master_data.versions("payer", "PAYER-A")
    assert version.data["name"] == "Acme Renamed"
    assert version.correlation_id == ctx.correlation_id


def test_an_unchanged_version_is_not_rewritten(harness: Harness) -> None:
    first = harness.send(c.UpsertMasterData("payer", (PAYER_2026,)))
    harness.send(c.UpsertMasterData("payer", (PAYER_2026,)))
    [version] = harness.store.master_data.versions("payer", "PAYER-A")
    assert (version.correlation_id, version.loaded_at) == (first.correlation_id, first.now)


def test_every_kind_is_keyed_by_its_own_code(harness: Harness) -> None:
    harness.send(
        c.UpsertMasterData("provider", (Provider("1234567893", "Dr. Example", taxonomy="207Q00000X"),))
    )
    harness.send(c.UpsertMasterData("facility", (Facility("FAC1", "Main Campus", npi="1245319599"),)))
    harness.send(c.UpsertMasterData("department", (Department("CARD", "Cardiology", "FAC1", "CC-410"),)))
    contract = Contract(
        "CT-9",
        "PAYER-A",
        fee_schedule=(FeeScheduleEntry("99214", Decimal("120.00")),),
        effective=Effective(date(2026, 1, 1), date(2026, 12, 31)),
    )
    harness.send(c.UpsertMasterData("contract", (contract,)))
    md = harness.store.master_data
    assert sorted((kind, code) for kind, code, _ in md.rows) == [
        ("contract", "CT-9"),
        ("department", "CARD"),
        ("facility", "FAC1"),
        ("provider", "1234567893"),
    ]
    stored = md.find("contract", "CT-9", date(2026, 3, 1))
    assert stored is not None
    assert stored["fee_schedule"] == [{"procedure_code": "99214", "amount": "120.00", "modifier": None}]
    assert md.find("contract", "CT-9", date(2027, 1, 1)) is None


def test_each_load_reports_added_changed_unchanged_and_rejected(harness: Harness) -> None:
    from revcycle.domain.master_loads import RejectedRow

    harness.send(c.UpsertMasterData("payer", (PAYER_2025, PAYER_2026), rows=(1, 2)))
    renamed = Payer(
        "PAYER-A", "Acme Renamed", PayerClass.COMMERCIAL, 90, effective=Effective(date(2026, 1, 1))
    )
    other = Payer("PAYER-B", "Bolt")
    bad = RejectedRow(3, ("name: required",), "PAYER-C")
    harness.send(c.UpsertMasterData("payer", (PAYER_2025, renamed, other), rejected=(bad,), rows=(1, 2, 4)))
    first, second = harness.store.master_loads.reports
    assert first.counts() == {"rows": 2, "added": 2, "changed": 0, "unchanged": 0, "rejected": 0}
    assert second.counts() == {"rows": 4, "added": 1, "changed": 1, "unchanged": 1, "rejected": 1}
    assert second.changed == [
        {"row": 2, "code": "PAYER-A", "effective_start": date(2026, 1, 1), "fields": ["name"]}
    ]
    assert second.added == [{"row": 4, "code": "PAYER-B", "effective_start": None}]
    assert second.rejected == [bad]


def test_patient_registrations_are_saved_and_reported_by_row_only(harness: Harness) -> None:
    from revcycle.domain.master_loads import PatientRegistration
    from revcycle.domain.patients import Coverage
    from tests.unit.service_layer.builders import PATIENT

    coverage = Coverage("PAYER-A", "W1")
    harness.send(c.UpsertMasterData("patient", (PatientRegistration(PATIENT, (coverage,)),), rows=(1,)))
    assert harness.store.patients.coverages(PATIENT.key) == (coverage,)
    moved = Coverage("PAYER-B", "W1")
    harness.send(c.UpsertMasterData("patient", (PatientRegistration(PATIENT, (moved,)),), rows=(1,)))
    harness.send(c.UpsertMasterData("patient", (PatientRegistration(PATIENT, (moved,)),), rows=(1,)))
    added, changed, same = harness.store.master_loads.reports
    assert added.added == [{"row": 1, "code": None, "effective_start": None}]
    assert changed.changed == [{"row": 1, "code": None, "effective_start": None, "fields": ["coverages"]}]
    assert same.unchanged == 1
    assert harness.store.patients.coverages(PATIENT.key) == (moved,)
