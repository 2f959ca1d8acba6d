"""What a rule looks at: one subject and the facts the service layer gathered about it from the store.

Facts carry internal ids and codes; the few PHI values a rule needs (a patient's sex and birth date for
sex / age edits) stay inside the facts and never reach a finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from revcycle.domain.charges import Charge
from revcycle.domain.claims import Claim
from revcycle.domain.visits import Appointment, Encounter


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """Only what sex / age edits need (PHI: never copied into a finding)."""

    sex: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class PayerFacts:
    payer_id: str
    timely_filing_days: int | None = None


@dataclass(frozen=True, slots=True)
class ChargeFacts:
    """A charge line just captured. ``same_service`` are earlier charges with the same identity
    (``Charge.identity``); ``as_of`` is when it was entered (FT1-5 / ChargeItem.enteredDate, else the
    message's receipt); ``payer`` is the patient's primary payer on the date of service, if known."""

    charge: Charge
    charge_id: int
    same_service: tuple[int, ...] = ()
    as_of: date | None = None
    payer: PayerFacts | None = None
    patient: PatientFacts | None = None
    inpatient: bool = False  # the visit is an inpatient stay (PV1-2 = I)


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """A claim just stored. ``same_content`` are live claims (other control numbers) with the same
    payer, patient, dates, lines and total; ``contracted`` the payer's fee schedule on the date of
    service (contracted amount per unit by procedure code, ``code:modifier`` for modifier-specific)."""

    claim: Claim
    claim_id: int
    same_content: tuple[int, ...] = ()
    patient: PatientFacts | None = None
    contracted: Mapping[str, Decimal] = field(default_factory=dict)  # code -> contracted amount per unit


@dataclass(frozen=True, slots=True)
class AppointmentFacts:
    appointment: Appointment


@dataclass(frozen=True, slots=True)
class EncounterFacts:
    """A visit seen by the periodic missing-charge sweep: ``charges`` counts its charge lines."""

    encounter: Encounter
    charges: int
    now: datetime


Subject = ChargeFacts | ClaimFacts | AppointmentFacts | EncounterFacts
