"""Patients and their insurance coverage. Fields marked ``phi_field`` are protected health information."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from revcycle.domain.master_data import ALWAYS, Effective
from revcycle.domain.phi import phi_field


class Sex(enum.StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "O"
    UNKNOWN = "U"


@dataclass(frozen=True, slots=True)
class Address:
    line1: str | None = phi_field()
    city: str | None = phi_field()
    state: str | None = None
    postal_code: str | None = phi_field()


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient as registered at a facility. ``account`` is the billing account (HL7 PID-18)."""

    mrn: str = phi_field(required=True)
    family_name: str | None = phi_field()
    given_name: str | None = phi_field()
    birth_date: date | None = phi_field()
    sex: Sex = Sex.UNKNOWN
    account: str | None = phi_field()
    address: Address | None = phi_field()
    phone: str | None = phi_field()
    assigning_authority: str | None = None

    @property
    def key(self) -> str:
        """The patient's identity key within revcycle (authority-qualified MRN)."""
        return f"{self.assigning_authority or ''}|{self.mrn}"


class CoverageRank(enum.IntEnum):
    PRIMARY = 1
    SECONDARY = 2
    TERTIARY = 3


@dataclass(frozen=True, slots=True)
class Coverage:
    """An insurance coverage (HL7 IN1/IN2, X12 2000B/2010BA, FHIR Coverage)."""

    payer_id: str
    member_id: str = phi_field(required=True)
    rank: CoverageRank = CoverageRank.PRIMARY
    group_number: str | None = None
    plan_name: str | None = None
    subscriber_name: str | None = phi_field()
    relationship: str | None = None
    effective: Effective = ALWAYS
