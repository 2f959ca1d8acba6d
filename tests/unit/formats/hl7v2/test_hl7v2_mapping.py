"""HL7 v2 -> canonical commands: every shared sample's outcome, spot checks of mapped values, and the
rules of each event (HL7 v2.5.1 Ch. 3 ADT, Ch. 6 DFT/BAR, Ch. 10 SIU)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from revcycle.adapters.formats.base import FormatError, MappingError
from revcycle.adapters.formats.hl7v2 import identify, parse, split_messages, to_commands
from revcycle.adapters.formats.hl7v2.errors import BadEncodingCharacters, Hl7MappingError, MissingHeaderField
from revcycle.adapters.formats.registry import load_registry
from revcycle.domain import commands as c
from revcycle.domain.charges import ChargeType
from revcycle.domain.patients import CoverageRank, Sex
from revcycle.domain.visits import EncounterStatus, PatientClass

# Per file, per message: the command classes (by name), or the error class and its reason.
R, A, D, U = "RegisterPatient", "AdmitPatient", "DischargePatient", "UpdatePatient"
BOOK, MOVE, CANCEL = "BookAppointment", "RescheduleAppointment", "CancelAppointment"
CHARGES, ACCOUNT = "CaptureCharges", "RecordAccountEvent"
Outcome = tuple[object, ...]  # command class names, or (error class, reason)
NONE: Outcome = ()
EXPECTED: dict[str, list[Outcome]] = {
    "cdc-ti__005_MN_ADT_A01.hl7": [(Hl7MappingError, "PV1-19 missing")],  # no PV1-19, no PID-18
    "fhirconverter-2020__SIU-S12.hl7": [(BOOK,)],
    "fhirconverter-2020__SIU-S15.hl7": [(CANCEL,)],
    "fhirconverter__ADT-A01-01.hl7": [(A,)],
    "fhirconverter__ADT-A01-02.hl7": [(A,)],
    "fhirconverter__ADT-A03-01.hl7": [(D,)],
    "fhirconverter__ADT-A03-02.hl7": [(D,)],
    "fhirconverter__ADT-A04-01.hl7": [(R,)],
    "fhirconverter__ADT-A04-02.hl7": [(R,)],
    "fhirconverter__ADT-A08-01.hl7": [(U,)],
    "fhirconverter__ADT01-23.hl7": [(A,)],
    "fhirconverter__ADT01-28.hl7": [(A,)],
    "fhirconverter__ADT04-23.hl7": [(R,)],
    "fhirconverter__BAR-P01-01.hl7": [(ACCOUNT,)],
    "fhirconverter__BAR-P02-01.hl7": [(ACCOUNT, ACCOUNT)],  # two PID groups
    "fhirconverter__BAR-P02-02.hl7": [(ACCOUNT, ACCOUNT)],
    "fhirconverter__BAR-P12-01.hl7": [(ACCOUNT,)],
    "fhirconverter__BAR-P12-02.hl7": [(ACCOUNT,)],
    "fhirconverter__DFT-P03-01.hl7": [(CHARGES,)],
    "fhirconverter__DFT-P11-01.hl7": [(CHARGES,)],
    "fhirconverter__LAB-ORU-1.hl7": [NONE],  # ORU: stored, acknowledged, unmapped
    "fhirconverter__ORM-O01-01.hl7": [NONE],  # ORM carries an FT1, but orders are not charges
    "fhirconverter__ORU-R01-01.hl7": [NONE],
    "fhirconverter__SIU-S12-01.hl7": [(BOOK,)],
    "fhirconverter__SIU-S12-02.hl7": [(BOOK,)],
    "fhirconverter__SIU-S13-01.hl7": [(MOVE,)],
    "fhirconverter__SIU-S14-01.hl7": [(MOVE,)],
    "fhirconverter__SIU-S15-01.hl7": [(CANCEL,)],
    "fhirconverter__SIU-S16-01.hl7": [(CANCEL,)],
    "fhirconverter__SIU-S17-01.hl7": [(CANCEL,)],
    "fhirconverter__SIU-S26-01.hl7": [(CANCEL,)],
    "fhirconverter__VXU.hl7": [NONE],
    "hapi__adt_a03.txt": [(D,)],
    "hapi__cv.04_001_chem.hl7": [NONE],
    "hapi__docs_ADT_A01.txt": [(A,)],
    "hapi__messages.txt": [NONE, (ACCOUNT,), NONE] + [(ACCOUNT,)] * 10 + [NONE] * 5,  # ORU, BAR, ACK...
    "hapi__omd_o03_rep.txt": [NONE],
    "lfh__sample_unix.hl7": [(BadEncodingCharacters, "MSH-1/MSH-2 delimiters are not distinct")],
    "lfh__sample_win.hl7": [(BadEncodingCharacters, "MSH-1/MSH-2 delimiters are not distinct")],
    "mirth__batch01.hl7": [(BOOK,), (MOVE,), (CANCEL,)],
    "mirth__nonbatch_05.hl7": [(R,)],
    "mirth__nonbatch_06.hl7": [(U,)],
    "mirth__small.hl7": [NONE],
    "mirth__test-hl7-batch-input.txt": [NONE],
    "mirth__test-hl7-input.txt": [NONE],
    "nhapi__OML_O21_messages.txt": [NONE] * 4
    + [(MissingHeaderField, "MSH-10 message control id missing"), NONE]
    + [(MissingHeaderField, "MSH-10 message control id missing")],
}


def outcome(raw: bytes) -> Outcome:
    try:
        message = parse(raw)
        return tuple(type(command).__name__ for command in to_commands(message, identify(raw)))
    except FormatError as exc:
        return (type(exc), exc.reason)


def commands_of(shared_data: Path, name: str, index: int = 0) -> list[c.Command]:
    raw = split_messages((shared_data / "hl7v2" / name).read_bytes()).messages[index]
    return to_commands(parse(raw), identify(raw))


def test_table_lists_every_sample(shared_data: Path) -> None:
    assert sorted(p.name for p in (shared_data / "hl7v2").iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample(shared_data: Path, name: str) -> None:
    messages = split_messages((shared_data / "hl7v2" / name).read_bytes()).messages
    assert [outcome(raw) for raw in messages] == EXPECTED[name]


def test_registry_loads_the_adapter() -> None:
    adapter = load_registry(["revcycle.adapters.formats.hl7v2"]).adapter("hl7v2")
    raw = b"MSH|^~\\&|A|B|C|D|20261122||ADT^A04|1|P|2.5\rPID|1||M1^^^H^MR||DOE^JO||19800101|F\rPV1|1|O||||||||||||||||||V1"
    commands = adapter.to_commands(adapter.parse(raw), adapter.identify(raw))
    assert [type(command) for command in commands] == [c.RegisterPatient]


# --- spot checks on the samples ------------------------------------------------------------------


def test_dft_p03_charges(shared_data: Path) -> None:
    (command,) = commands_of(shared_data, "fhirconverter__DFT-P03-01.hl7")
    assert isinstance(command, c.CaptureCharges)
    assert command.patient_key == "test1|PATID1234" and command.visit_number == "40007716"
    first, second = command.charges
    assert first.transaction_id == "12345" and first.service_date == date(2019, 11, 22)
    assert (first.transaction_code, first.procedure_code, first.modifiers) == ("71045", "71045", ("26",))
    assert (first.quantity, first.amount, first.unit_amount) == (
        Decimal("2"),
        Decimal("100.00"),
        Decimal("50.00"),
    )
    assert first.charge_type is ChargeType.CHARGE and first.department_code == "RAD-1"
    assert first.diagnoses == ("29857009", "68235000")  # FT1-19
    assert first.performing_npi is None  # 9941339108 fails the NPI check digit
    assert (second.transaction_code, second.procedure_code) == ("626.2", "99011")  # FT1-25
    assert second.amount == Decimal("120.00") and second.unit_amount is None
    assert isinstance(first.amount, Decimal)
    assert command.patient is not None and command.patient.family_name == "EVERYMAN"


def test_adt_a01_admission(shared_data: Path) -> None:
    (command,) = commands_of(shared_data, "fhirconverter__ADT-A01-01.hl7")
    assert isinstance(command, c.AdmitPatient)
    patient, visit = command.patient, command.encounter
    assert (patient.mrn, patient.assigning_authority, patient.key) == (
        "PATID1234",
        "test1",
        "test1|PATID1234",
    )
    assert (patient.family_name, patient.given_name, patient.sex) == ("EVERYMAN", "ADAM", Sex.MALE)
    assert patient.birth_date == date(1988, 8, 18) and patient.account == "4000776"
    assert patient.address is not None and patient.address.line1 == "1000 Hospital Lane"
    assert visit.visit_number == "40007716" and visit.patient_class is PatientClass.PREADMIT
    assert visit.admitted_at == datetime(
        2015, 2, 8, 11, 34, 19, tzinfo=timezone(timedelta(hours=1, minutes=10))
    )
    assert (visit.facility_code, visit.department_code) == ("HOMERTON UNIVER", "SUR")
    assert visit.diagnoses == ("422504002",)
    (coverage,) = command.coverages
    assert (coverage.payer_id, coverage.member_id, coverage.group_number) == ("IC-1.31", "PN-145", "PUBSUMB")
    assert coverage.plan_name == "Blue Advantage HMO" and coverage.rank is CoverageRank.PRIMARY
    assert coverage.effective.start == date(1989, 10, 1) and coverage.effective.end == date(2050, 10, 1)


def test_adt01_23_three_coverages_with_self_pay_left_out(shared_data: Path) -> None:
    (command,) = commands_of(shared_data, "fhirconverter__ADT01-23.hl7")
    assert isinstance(command, c.AdmitPatient)
    assert [(cov.payer_id, cov.rank) for cov in command.coverages][:2] == [
        ("3", CoverageRank.PRIMARY),
        ("9", CoverageRank.SECONDARY),
    ]
    assert command.coverages[0].member_id == "123121234A"


def test_siu_booking(shared_data: Path) -> None:
    (command,) = commands_of(shared_data, "fhirconverter__SIU-S12-01.hl7")
    assert isinstance(command, c.BookAppointment)
    appointment = command.appointment
    assert appointment.appointment_id == "36996" and appointment.patient_key == "test1|PATID1234"
    assert appointment.start == datetime(2021, 9, 24, 9, 30, tzinfo=timezone(timedelta(hours=2, minutes=15)))
    assert appointment.duration_minutes == 1  # SCH-9 60, SCH-10 "s": sixty seconds, as sent
    assert [(s.code, s.coding_system) for s in appointment.services] == [("76164006", "SCT")]
    assert (appointment.location, appointment.facility_code) == ("055", "GH Clinic")


def test_mirth_book_modify_cancel(shared_data: Path) -> None:
    book, move, cancel = (commands_of(shared_data, "mirth__batch01.hl7", i)[0] for i in range(3))
    assert isinstance(book, c.BookAppointment) and book.appointment.duration_minutes == 60
    assert book.appointment.start == datetime(2011, 6, 17, 8, 45)
    assert isinstance(move, c.RescheduleAppointment) and move.modification_only
    assert isinstance(cancel, c.CancelAppointment)
    assert (cancel.appointment_id, cancel.patient_key, cancel.outcome) == ("2196178", "|42", "cancelled")


@pytest.mark.parametrize(
    ("name", "outcome_"),
    [
        ("fhirconverter__SIU-S15-01.hl7", "cancelled"),
        ("fhirconverter__SIU-S16-01.hl7", "cancelled"),
        ("fhirconverter__SIU-S17-01.hl7", "deleted"),
        ("fhirconverter__SIU-S26-01.hl7", "no_show"),
    ],
)
def test_siu_cancellations(shared_data: Path, name: str, outcome_: str) -> None:
    (command,) = commands_of(shared_data, name)
    assert isinstance(command, c.CancelAppointment) and command.outcome == outcome_


def test_adt_a03_discharge(shared_data: Path) -> None:
    (command,) = commands_of(shared_data, "hapi__adt_a03.txt")
    assert isinstance(command, c.DischargePatient)
    assert command.patient_key == "PK|5520255"


def test_bar_p12_diagnoses_and_procedures(shared_data: Path) -> None:
    (command,) = commands_of(shared_data, "fhirconverter__BAR-P12-01.hl7")
    assert isinstance(command, c.RecordAccountEvent) and command.event == "update"
    assert command.diagnoses and command.procedures and command.visit_number == "40007716"


def test_bar_p02_purges_each_patient(shared_data: Path) -> None:
    commands = commands_of(shared_data, "fhirconverter__BAR-P02-01.hl7")
    assert all(isinstance(cmd, c.RecordAccountEvent) and cmd.event == "purge" for cmd in commands)


# --- rules, on constructed messages -----------------------------------------------------------


def seg(sid: str, fields: dict[int, str]) -> str:
    """A segment with the given fields at their standard positions (no pipe counting by hand)."""
    values = [""] * max(fields)
    for position, value in fields.items():
        values[position - 1] = value
    return "|".join([sid, *values])


MSH = "MSH|^~\\&|EPIC|NORTH|HUB|BILL|20261122||{type}|C1|P|{version}"
PID = seg(
    "PID",
    {
        1: "1",
        3: "MRN1^^^NORTH^MR~999^^^SSA^SS",
        5: "DOE^JANE",
        7: "19700101",
        8: "F",
        11: "1 MAIN^^SPRINGFIELD^IL^62701",
        13: "^PRN^PH^^1^217^5550100",
        18: "ACCT1",
    },
)
PV1_FIELDS = {
    1: "1",
    2: "I",
    3: "4W^12^A^NORTH",
    7: "1234567893^SMITH^JOHN",
    8: "1122334455^REF^RITA",
    9: "CAR",
    10: "MED",
    19: "V1",
    44: "20261120080000",
    45: "20261122113000-0500",
}
PV1 = seg("PV1", PV1_FIELDS)


def run(type_: str, *segments: str, version: str = "2.5.1") -> list[c.Command]:
    raw = "\r".join([MSH.format(type=type_, version=version), *segments]).encode()
    return to_commands(parse(raw), identify(raw))


def test_visit_fields_and_events() -> None:
    (admit,) = run(
        "ADT^A01",
        "EVN|A01",
        PID,
        PV1,
        "DG1|1||I10^Hypertension^I10",
        seg("IN1", {1: "1", 2: "PPO", 3: "BCBS", 4: "Blue", 8: "G1", 16: "DOE^JANE", 17: "SEL", 36: "POL1"}),
    )
    assert isinstance(admit, c.AdmitPatient)
    visit = admit.encounter
    assert (visit.visit_number, visit.patient_class, visit.department_code) == (
        "V1",
        PatientClass.INPATIENT,
        "MED",
    )
    assert (visit.facility_code, visit.attending_npi, visit.referring_npi) == (
        "NORTH",
        "1234567893",
        "1122334455",
    )
    assert visit.admitted_at == datetime(2026, 11, 20, 8, 0) and visit.diagnoses == ("I10",)
    assert admit.patient.phone == "2175550100" and admit.patient.key == "NORTH|MRN1"
    (coverage,) = admit.coverages
    assert (coverage.payer_id, coverage.member_id, coverage.group_number, coverage.subscriber_name) == (
        "BCBS",
        "POL1",
        "G1",
        "DOE, JANE",
    )
    (discharge,) = run("ADT^A03", PID, PV1)
    assert isinstance(discharge, c.DischargePatient)
    assert discharge.discharged_at == datetime(2026, 11, 22, 11, 30, tzinfo=timezone(-timedelta(hours=5)))
    (at_evn,) = run("ADT^A03", "EVN|A03|20261122||||202611221200", PID, seg("PV1", {1: "1", 19: "V1"}))
    assert isinstance(at_evn, c.DischargePatient) and at_evn.discharged_at == datetime(2026, 11, 22, 12, 0)
    assert run("ADT^A11", PID, PV1) == [c.CancelAdmit("NORTH|MRN1", "V1")]
    assert run("ADT^A13", PID, PV1) == [c.CancelDischarge("NORTH|MRN1", "V1")]
    (pre,) = run("ADT^A05", PID, PV1)
    assert isinstance(pre, c.RegisterPatient) and pre.encounter is not None
    assert pre.encounter.status is EncounterStatus.PLANNED
    (register,) = run("ADT^A04", PID)  # no PV1: the account number PID-18 is the visit
    assert isinstance(register, c.RegisterPatient) and register.encounter is not None
    assert register.encounter.visit_number == "ACCT1"
    (update,) = run("ADT^A08", PID.replace("|ACCT1", "|"))
    assert isinstance(update, c.UpdatePatient) and update.encounter is None
    assert run("ADT^A02", PID, PV1) == [] and run("ORU^R01", PID) == []


def test_merge() -> None:
    commands = run("ADT^A40", PID, "MRG|OLD1^^^NORTH^MR", PID.replace("MRN1", "MRN2"), "MRG|OLD2")
    assert [(cmd.patient.mrn, cmd.prior_key) for cmd in commands if isinstance(cmd, c.MergePatients)] == [
        ("MRN1", "NORTH|OLD1"),
        ("MRN2", "|OLD2"),
    ]
    with pytest.raises(Hl7MappingError, match="MRG-1 missing"):
        run("ADT^A40", PID)


def test_old_version_event_from_evn() -> None:
    (command,) = run("ADT", "EVN|A04|19930502", "PID|||429314294^1^M10||DOE^JO", version="2.2")
    assert isinstance(command, c.RegisterPatient) and command.patient.mrn == "429314294"


def test_dft_rules() -> None:
    def ft1(kind: str, qty: str, ext: str, unit: str, code: str, mods: str) -> str:
        return seg(
            "FT1",
            {1: "1", 2: "T1", 4: "20261122^20261122", 5: "20261122", 6: kind, 7: code, 10: qty, 11: ext}
            | {12: unit, 13: "CARD", 20: "1234567893", 21: "1122334455", 26: mods},
        )

    (command,) = run(
        "DFT^P03",
        PID,
        PV1,
        ft1("CG", "2", "", "40.00", "99213^Office^L", "25~59"),
        "PR1|1||99214^Office^C4",
        ft1("CD", "", "-10", "", "CM42", ""),
        "DG1|1||I10",
    )
    assert isinstance(command, c.CaptureCharges)
    first, second = command.charges
    assert (first.amount, first.quantity, first.unit_amount) == (
        Decimal("80.00"),
        Decimal("2"),
        Decimal("40.00"),
    )
    assert first.procedure_code == "99214" and first.modifiers == ("25", "59")  # PR1 after this FT1
    assert (first.performing_npi, first.ordering_npi, first.department_code) == (
        "1234567893",
        "1122334455",
        "CARD",
    )
    assert first.diagnoses == ("I10",) and first.facility_code == "NORTH" and first.visit_number == "V1"
    assert second.charge_type is ChargeType.CREDIT and second.amount == Decimal("-10.00")
    assert second.procedure_code is None and second.transaction_code == "CM42"  # the rules flag it
    assert second.quantity == Decimal("1")


@pytest.mark.parametrize(
    ("ft1", "reason", "code"),
    [
        ("FT1|1|||20261122||", "FT1-6 missing", 101),
        ("FT1|1|||20261122||XX", "FT1-6 transaction type not in HL7 table 0017", 103),
        ("FT1|1|||20261122||CG||||1|ABC", "FT1-11 is not an amount", 102),
        ("FT1|1|||20261122||CG||||two", "FT1-10 is not a number", 102),
    ],
)
def test_dft_errors(ft1: str, reason: str, code: int) -> None:
    with pytest.raises(Hl7MappingError) as caught:
        run("DFT^P03", PID, PV1, ft1)
    assert (caught.value.reason, caught.value.hl7_code) == (reason, code)
    assert isinstance(caught.value, MappingError)


def test_second_ft1_error_names_its_occurrence() -> None:
    with pytest.raises(Hl7MappingError) as caught:
        run("DFT^P03", PID, "FT1|1|||20261122||CG", "FT1|2|||20261122||ZZ")
    assert caught.value.location == "FT1[2]-6"


@pytest.mark.parametrize(
    ("segments", "reason"),
    [
        (("EVN|A01",), "PID missing"),
        (("PID|1||^^^NORTH^MR||DOE^JANE",), "PID-3 missing"),
        (('PID|1||""||DOE^JANE',), "PID-3 missing"),
        ((PID, "PV1|1|I"), "PV1-19 missing"),
    ],
)
def test_required_elements(segments: tuple[str, ...], reason: str) -> None:
    with pytest.raises(Hl7MappingError) as caught:
        run("ADT^A01", *[s.replace("|ACCT1", "|") for s in segments])
    assert caught.value.reason == reason
    assert "DOE" not in str(caught.value) and "JANE" not in str(caught.value)


def test_siu_rules() -> None:
    sch = seg("SCH", {1: "P1", 2: "F1", 6: "ROUTINE", 7: "^Checkup", 11: "^^45^202611221000^202611221045"})
    (book,) = run("SIU^S12", sch, PID, "RGS|1", "AIS|1||99213^Office^CPT|||||", "AIP|1||1234567893^SMITH")
    assert isinstance(book, c.BookAppointment)
    appointment = book.appointment
    assert (appointment.appointment_id, appointment.start, appointment.reason) == (
        "F1",
        datetime(2026, 11, 22, 10, 0),
        "Checkup",
    )
    assert appointment.provider_npi == "1234567893" and appointment.services[0].code == "99213"
    assert appointment.duration_minutes is None
    (timed,) = run("SIU^S13", seg("SCH", {2: "F1", 9: "2", 10: "H"}), PID)
    assert isinstance(timed, c.RescheduleAppointment) and timed.appointment.duration_minutes == 120
    assert not timed.modification_only
    with pytest.raises(Hl7MappingError, match="SCH-2 missing"):
        run("SIU^S12", "SCH|", PID)
    with pytest.raises(Hl7MappingError, match="SCH missing"):
        run("SIU^S12", PID)
    assert run("SIU^S18", sch, PID) == []
    (via_aig,) = run("SIU^S12", sch, PID, "AIG|1||5001^Scope^L", "AIG|2||1122334455^REF^RITA")
    assert (
        isinstance(via_aig, c.BookAppointment) and via_aig.appointment.provider_npi is None
    )  # first AIG only
    (first_aig,) = run("SIU^S12", sch, PID, "AIG|1||1122334455^REF^RITA")
    assert isinstance(first_aig, c.BookAppointment) and first_aig.appointment.provider_npi == "1122334455"


def test_bar_rules() -> None:
    commands = run(
        "BAR^P01",
        "EVN|P01",
        PID,
        seg("PV1", {1: "1", 2: "I", 19: "V1"}),
        "DG1|1||I10",
        "PR1|1||0JH60DZ^Insert^I10P",
        seg("IN1", {1: "1", 2: "PPO", 3: "BCBS", 36: "POL1"}),
        seg("PV1", {1: "2", 2: "O", 19: "V2"}),
        "DG1|1||E11.9",
    )
    assert [
        (cmd.event, cmd.visit_number, cmd.diagnoses, cmd.procedures, len(cmd.coverages))
        for cmd in commands
        if isinstance(cmd, c.RecordAccountEvent)
    ] == [
        ("add", "V1", ("I10",), ("0JH60DZ",), 1),
        ("add", "V2", ("E11.9",), (), 0),
    ]
    assert run("BAR^P10", PID) == []


def test_datetime_forms() -> None:
    from revcycle.adapters.formats.hl7v2.map_common import to_date, to_datetime

    assert to_datetime("20261122") == datetime(2026, 11, 22)
    assert to_datetime("202611221015") == datetime(2026, 11, 22, 10, 15)
    assert to_datetime("20261122101530.1234+0000") == datetime(2026, 11, 22, 10, 15, 30, tzinfo=UTC)
    for bad in ("2026", "202611", "20261322", "Aug 15, 1942", "", None):
        assert to_datetime(bad) is None
    assert to_date("19700101123000") == date(1970, 1, 1)
