"""Which master data a canonical command relies on: its references to payers, providers, facilities and
departments, each with the date it must be valid on (the date of service) and the item it belongs to.

The quarantine gate (``service_layer.quarantine``) holds a message whose references are not known.
Only items that are billed from master data are checked: encounters (facility, department, attending
provider), charges (facility, department, performing provider), appointments (facility, department,
provider) and claims (payer, the payer's contract / fee schedule valid on the date of service, billing
and rendering providers; an 837's CLM05-1 "facility code" is a place of service or type of bill, not a
facility of ours). A contract reference is coded by the payer id (``kind`` "contract", ``code`` the
payer): what must exist is a contract with that payer covering the date. Registrations are not
checked: a coverage naming an unknown payer is common and harmless until a claim is billed to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from revcycle.domain import commands as c
from revcycle.domain.findings import FindingType
from revcycle.domain.visits import Encounter

CHECKED_KINDS = ("payer", "provider", "facility", "department")


@dataclass(frozen=True, slots=True)
class MasterRef:
    """A reference from an item (``subject_kind`` / ``subject_id``) to master data valid on ``on``."""

    kind: str
    code: str
    on: date | None
    subject_kind: str
    subject_id: str
    message_id: int = 0
    command_index: int = 0  # which of the message's commands holds the reference

    @property
    def finding_key(self) -> str:
        subject = f"{self.subject_kind}:{self.subject_id}"
        return f"{FindingType.UNMAPPED_MASTER_DATA.value}:{subject}:{self.kind}:{self.code}"


def _day(moment: datetime | date | None) -> date | None:
    return moment.date() if isinstance(moment, datetime) else moment


def _refs(subject: tuple[str, str], on: date | None, **codes: str | None) -> Iterator[MasterRef]:
    for kind, code in codes.items():
        if code:
            yield MasterRef(kind, code, on, subject[0], subject[1])


def _encounter(encounter: Encounter) -> Iterator[MasterRef]:
    yield from _refs(
        ("encounter", encounter.visit_number),
        _day(encounter.admitted_at),
        facility=encounter.facility_code,
        department=encounter.department_code,
        provider=encounter.attending_npi,
    )


def references(command: c.Command) -> list[MasterRef]:
    """The master-data references of one command, without repeats."""
    found: list[MasterRef] = []
    match command:
        case c.RegisterPatient() | c.UpdatePatient() if command.encounter is not None:
            found.extend(_encounter(command.encounter))
        case c.AdmitPatient():
            found.extend(_encounter(command.encounter))
        case c.BookAppointment() | c.RescheduleAppointment():
            a = command.appointment
            found.extend(
                _refs(
                    ("appointment", a.appointment_id),
                    _day(a.start),
                    facility=a.facility_code,
                    department=a.department_code,
                    provider=a.provider_npi,
                )
            )
        case c.CaptureCharges():
            for charge in command.charges:
                visit = charge.visit_number or command.visit_number
                subject = ("encounter", visit) if visit else ("charge", charge.transaction_id or "?")
                found.extend(
                    _refs(
                        subject,
                        charge.service_date,
                        facility=charge.facility_code,
                        department=charge.department_code,
                        provider=charge.performing_npi,
                    )
                )
        case c.SubmitClaim():
            claim = command.claim
            subject = ("claim", claim.patient_control_number)
            on = claim.service_date
            found.extend(_refs(subject, on, payer=claim.payer_id, contract=claim.payer_id))
            npis = [claim.billing_npi, claim.rendering_npi, *(line.rendering_npi for line in claim.lines)]
            found.extend(MasterRef("provider", npi, on, *subject) for npi in npis if npi)
    return list(dict.fromkeys(found))
