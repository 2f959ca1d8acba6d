"""The simulation's mutable records: appointments, visits, charge lines, claims and their adjudication.

Money is in integer cents (fast, exact); days are indices from the run's first day (``SimConfig.start``),
minutes are minutes after midnight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from revcycle.simulator.catalog import Service, VisitType
from revcycle.simulator.population import Coverage, Patient
from revcycle.simulator.world import Department, Facility, Provider


@dataclass(slots=True)
class Appointment:
    appointment_id: str
    patient: Patient
    visit_type: VisitType
    department: Department
    provider: Provider
    day: int
    minute: int
    duration: int
    service_code: str  # AIS-3 expected service (a CPT/HCPCS code, or a local code without mapping)
    mapped: bool = True
    status: str = "Booked"


@dataclass(slots=True)
class ChargeLine:
    """One charge (HL7 FT1 / FHIR ChargeItem) and, later, one claim service line."""

    txn_id: str
    service: Service
    code: str  # as billed (an invalid code when an anomaly replaces it)
    units: int
    charge: int
    day: int
    department: str
    performer: Provider | None
    dx: int  # index into the visit's diagnoses (0-based)
    professional: bool = False
    modifiers: tuple[str, ...] = ()
    duplicate_of: str | None = None  # the original transaction id of a re-entered duplicate


@dataclass(slots=True)
class Visit:
    number: str
    patient: Patient
    visit_type: VisitType
    department: Department
    facility: Facility
    provider: Provider
    patient_class: str  # HL7 PV1-2: O outpatient, E emergency, I inpatient
    day: int
    minute: int
    end_day: int
    end_minute: int
    diagnoses: list[str]
    coverages: list[Coverage]
    appointment: Appointment | None = None
    conditions: list[str] = field(default_factory=list)  # the condition behind each diagnosis
    lines: list[ChargeLine] = field(default_factory=list)
    authorization: str | None = None
    auth_needed: bool = False
    stale_coverage: bool = False  # billed to a coverage that ended before the visit
    charge_day: int = 0
    invalid_dx: tuple[int, str, str] | None = None  # (index, invalid code, the code it replaced)
    invalid_code: tuple[int, str, str] | None = None  # (line index, invalid code, the code it replaced)
    late: bool = False  # a late charge for an old visit


@dataclass(slots=True)
class Adjustment:
    group: str  # CO, PR, OA, PI
    reason: str  # CARC
    amount: int


@dataclass(slots=True)
class LineResult:
    line: ChargeLine
    control: str  # REF*6R line item control number
    allowed: int
    paid: int
    adjustments: list[Adjustment]
    remarks: tuple[str, ...] = ()


@dataclass(slots=True)
class Claim:
    """One claim submission target: a PCN (CLM01) for one payer; resubmissions keep the PCN."""

    pcn: str
    variant: str  # 837P, 837I or FHIR
    visit: Visit
    coverage: Coverage
    rank: int
    lines: list[ChargeLine]
    controls: list[str]  # REF*6R per line
    diagnoses: list[str]
    created_day: int
    prior_auth: str | None = None
    documentation: bool = False
    frequency: str = "1"
    payer_icn: str | None = None
    primary: Claim | None = None  # the primary claim a secondary follows
    primary_results: list[LineResult] = field(default_factory=list)
    primary_paid_day: int | None = None
    total: int = 0  # CLM02; the sum of the line charges unless given

    def __post_init__(self) -> None:
        if not self.total:
            self.total = sum(line.charge for line in self.lines)


@dataclass(slots=True)
class Remit:
    """One claim's adjudication (835 CLP loop / FHIR EOB)."""

    claim: Claim
    status: str  # CLP02: 1 primary, 2 secondary, 4 denied, 22 reversal
    results: list[LineResult]
    icn: str
    day: int
    claim_adjustments: list[Adjustment] = field(default_factory=list)

    @property
    def charge(self) -> int:
        return sum(r.line.charge for r in self.results)

    @property
    def paid(self) -> int:
        return sum(r.paid for r in self.results)

    @property
    def patient_responsibility(self) -> int:
        return sum(a.amount for r in self.results for a in r.adjustments if a.group == "PR")


@dataclass(slots=True)
class Submission:
    """One sending of a claim: the claim as sent, the clearinghouse's planned 277CA rejection code (None
    when accepted) and the payer claim control number it will be acknowledged with."""

    claim: Claim
    reject: str | None
    icn: str | None


@dataclass(slots=True)
class PatientPaymentDue:
    patient: Patient
    amount: int
    pcn: str | None
    minute: int
