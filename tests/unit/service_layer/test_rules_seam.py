"""The rules through the handlers (one seam, ``service_layer/rules.py``) and the missing-charge sweep
with an injected clock; the harness checks every finding for PHI on teardown."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from revcycle.domain import commands as c
from revcycle.domain.findings import FindingType
from revcycle.domain.master_data import Payer
from revcycle.domain.patients import Coverage
from revcycle.domain.visits import EncounterStatus, ExpectedService, PatientClass
from revcycle.service_layer.sweeps import Sweeper, sweep_missing_charges
from tests.unit.service_layer.builders import KEY, PATIENT, Harness, appointment, charge, encounter, submit
from tests.unit.service_layer.fakes import FakeUnitOfWork

F = FindingType


def capture(*charges: object, coverages: tuple[Coverage, ...] = ()) -> c.CaptureCharges:
    return c.CaptureCharges(KEY, tuple(charges), "V5001", PATIENT, coverages)  # type: ignore[arg-type]


def test_a_charge_with_a_header_diagnosis_and_a_terminated_code(harness: Harness) -> None:
    bad = replace(charge("FT1-1", code="A4466"), diagnoses=("E11",))
    harness.send(capture(bad))
    found = {(f.type, f.details.get("code")) for f in harness.findings}
    assert found == {(F.INVALID_CODE, "E11"), (F.INVALID_CODE, "A4466")}
    assert all(f.correlation_id == "corr-0001" for f in harness.findings)


def test_a_late_charge_is_judged_against_the_payer_of_its_own_message(harness: Harness) -> None:
    harness.send(c.UpsertMasterData("payer", (Payer("PAYER-A", "Payer A", timely_filing_days=90),)))
    late = replace(
        charge("FT1-1"), service_date=date(2025, 10, 1), posted_on=date(2026, 2, 16), diagnoses=("I10",)
    )
    harness.send(capture(late, coverages=(Coverage("PAYER-A", "M1"),)))
    [found] = harness.of_type(F.TIMELY_FILING_RISK)
    assert found.details == {
        "payer_id": "PAYER-A",
        "days_after_service": 138,
        "limit_days": 90,
        "days_left": -48,
    }


def test_the_same_claim_under_a_new_control_number_is_a_duplicate(harness: Harness) -> None:
    harness.send(submit("PCN1001"))
    harness.send(submit("PCN2002", group="1002"))
    [found] = harness.of_type(F.DUPLICATE_CLAIM)
    assert found.details["duplicate_of"] == harness.claim_ids("PCN1001")[0]
    assert found.subject_id == str(harness.claim_ids("PCN2002")[0])


def test_a_secondary_claim_is_not_a_duplicate_of_the_primary(harness: Harness) -> None:
    harness.send(submit("PCN1001"))
    harness.send(submit("PCN1001", group="1002", rank=2, payer_id="PAYER-B"))
    assert harness.of_type(F.DUPLICATE_CLAIM) == []


def test_a_booked_appointment_with_a_local_service_code_is_flagged_at_booking(harness: Harness) -> None:
    booked = replace(appointment("APT-1"), services=(ExpectedService("LOC-OV-EST-42", "L"),))
    harness.send(c.BookAppointment(booked, PATIENT))
    [found] = harness.findings
    assert (found.type, found.subject_id) == (F.UNMAPPED_SERVICE, "APT-1")
    mapped = replace(appointment("APT-2"), services=(ExpectedService("99213", "C4"),))
    harness.send(c.BookAppointment(mapped, PATIENT))
    assert len(harness.findings) == 1


def outpatient(visit: str, admitted: datetime) -> object:
    return replace(encounter(visit), patient_class=PatientClass.OUTPATIENT, admitted_at=admitted)


def test_the_sweep_flags_a_visit_without_charges_once_its_grace_period_has_passed() -> None:
    uow = FakeUnitOfWork()
    harness = Harness()
    harness.uow, harness.store = uow, uow.store
    admitted = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)
    harness.send(c.AdmitPatient(PATIENT, outpatient("V1", admitted)))  # type: ignore[arg-type]
    harness.send(c.AdmitPatient(PATIENT, outpatient("V2", admitted)))  # type: ignore[arg-type]
    harness.send(capture(replace(charge("FT1-1"), visit_number="V2")))
    assert sweep_missing_charges(uow, admitted + timedelta(hours=71)) == (0, 0)  # inside the grace
    assert sweep_missing_charges(uow, admitted + timedelta(hours=73)) == (1, 1)
    [found] = harness.of_type(F.MISSING_CHARGE)
    assert (found.subject_kind, found.subject_id, found.details["hours_since_end"]) == ("encounter", "V1", 73)
    assert sweep_missing_charges(uow, admitted + timedelta(hours=90)) == (0, 0)  # flagged once


def test_charges_filed_under_another_patient_key_still_bill_the_visit() -> None:
    uow = FakeUnitOfWork()
    harness = Harness()
    harness.uow, harness.store = uow, uow.store
    admitted = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)
    harness.send(c.AdmitPatient(PATIENT, outpatient("V1", admitted)))  # type: ignore[arg-type]
    other_key = replace(charge("FT1-1"), visit_number="V1", patient_key="OTHER|123")
    harness.send(c.CaptureCharges("OTHER|123", (other_key,), "V1"))
    assert sweep_missing_charges(uow, admitted + timedelta(days=5)) == (0, 0)


def test_the_sweeper_keeps_its_own_schedule_on_the_injected_clock() -> None:
    uow = FakeUnitOfWork()
    now = [datetime(2026, 2, 16, 9, 0, tzinfo=UTC)]
    harness = Harness()
    harness.uow, harness.store = uow, uow.store
    discharged = replace(encounter("V7"), status=EncounterStatus.DISCHARGED, discharged_at=now[0])
    harness.send(c.AdmitPatient(PATIENT, discharged))  # type: ignore[arg-type]
    sweeper = Sweeper(lambda: uow, interval=600, clock=lambda: now[0])
    assert sweeper.tick() == 0  # ran: nothing due yet
    now[0] += timedelta(hours=80)
    assert sweeper.tick() == 1
    assert uow.commits >= 2
    now[0] += timedelta(seconds=60)
    assert sweeper.tick() == 0  # not due: the interval has not passed


def test_a_claim_line_below_the_payers_fee_schedule_on_its_date_of_service(harness: Harness) -> None:
    from decimal import Decimal

    from revcycle.domain.master_data import Contract, Effective, FeeScheduleEntry

    schedule = (FeeScheduleEntry("99214", Decimal("120.00")), FeeScheduleEntry("36415", Decimal("10.00")))
    current = Contract("K1", "PAYER-A", schedule, Decimal("1.5"), effective=Effective(date(2026, 1, 1)))
    expired = Contract(
        "K0", "PAYER-A", schedule, Decimal("0.5"), effective=Effective(None, date(2025, 12, 31))
    )
    other = Contract("K2", "PAYER-B", schedule, Decimal("9"))
    harness.send(c.UpsertMasterData("contract", (current, expired, other)))
    harness.send(submit("PCN1001"))  # 99214 at 150.00 < 180.00; 36415 at 50.00 >= 15.00
    [found] = harness.of_type(F.CHARGE_VARIANCE)
    assert found.details == {"line": 1, "code": "99214", "charge_per_unit": "150.00", "contracted": "180.00"}


def test_charges_of_an_inpatient_stay_are_not_held_to_the_mue(harness: Harness) -> None:
    from decimal import Decimal

    stay = replace(charge("FT1-1", code="36415"), quantity=Decimal("3"), diagnoses=("I10",))
    harness.send(c.AdmitPatient(PATIENT, encounter("V5001")))  # an inpatient visit
    harness.send(capture(stay))
    assert harness.of_type(F.CODING_INCONSISTENCY) == []
    harness.send(capture(replace(stay, transaction_id="FT1-2", visit_number="V-OUT")))
    [found] = harness.of_type(F.CODING_INCONSISTENCY)
    assert found.details["edit"] == "mue"


def test_a_store_error_in_the_sweep_does_not_stop_the_worker_loop() -> None:
    from sqlalchemy.exc import OperationalError

    class Broken(FakeUnitOfWork):
        def __enter__(self) -> FakeUnitOfWork:
            raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    now = [datetime(2026, 2, 16, 9, 0, tzinfo=UTC)]
    sweeper = Sweeper(Broken, interval=60, clock=lambda: now[0])
    assert sweeper.tick() == 0
    now[0] += timedelta(seconds=61)
    assert sweeper.tick() == 0  # tried again at the next interval, still no crash


def test_the_periodic_sweep_does_not_run_ahead_of_the_feeds() -> None:
    uow = FakeUnitOfWork()
    harness = Harness()
    harness.uow, harness.store = uow, uow.store
    admitted = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)
    harness.send(c.AdmitPatient(PATIENT, outpatient("V1", admitted)))  # type: ignore[arg-type]
    wall = [admitted + timedelta(days=30)]  # a backfill of history, processed a month later
    sweeper = Sweeper(lambda: uow, interval=1, clock=lambda: wall[0])
    assert sweeper.tick() == 0  # the feeds' clock is still at the visit: its charges may yet come
    harness.send(c.AdmitPatient(PATIENT, outpatient("V2", admitted + timedelta(hours=80))))  # type: ignore[arg-type]
    wall[0] += timedelta(seconds=5)
    assert sweeper.tick() == 1  # the feeds moved 80 h on: V1 is past its grace period
    assert [f.subject_id for f in harness.of_type(F.MISSING_CHARGE)] == ["V1"]


def test_an_unreadable_edit_table_makes_the_message_retry_not_vanish(tmp_path: object) -> None:
    from pathlib import Path

    import pytest

    from revcycle.adapters.codesets.reference import build_reference
    from revcycle.service_layer.rules import ReferenceDataUnavailable

    bad = Path(str(tmp_path)) / "mue.csv"
    bad.write_text("HCPCS/CPT Code,MUE\n99214,many\n")
    uow = FakeUnitOfWork(reference=build_reference(mue_file=bad))
    harness = Harness()
    harness.uow, harness.store = uow, uow.store
    with pytest.raises(ReferenceDataUnavailable, match=r"mue\.csv row 2"):
        harness.send(capture(charge("FT1-1")))
    assert harness.store.charges.all() == []  # the message's changes rolled back with it
