"""Native 837P (005010X222A1) / 837I (005010X223A2) structures: what the claim parser builds and the
claim generator writes. Money is ``Decimal``; dates are ``datetime.date``; codes stay as sent.

Loop references are to the TR3s: 1000A/B submitter / receiver, 2000A/2010AA-AC billing provider and
pay-to, 2000B/2010BA-BB subscriber and payer, 2000C/2010CA patient, 2300 claim, 2310x claim providers,
2320/2330x other subscriber (COB), 2400 service line, 2410 drug, 2420x line providers, 2430 line
adjudication.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class Address:
    """N3 / N4."""

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(slots=True)
class Contact:
    """PER: function code, name and up to three (qualifier, number) communication pairs."""

    function: str
    name: str | None = None
    numbers: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Reference:
    """REF: qualifier (REF01) and identifier (REF02)."""

    qualifier: str
    value: str


@dataclass(slots=True)
class Party:
    """NM1 with its N3/N4, REF, PRV (taxonomy) and PER segments."""

    entity_code: str
    entity_type: str = "2"
    name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    suffix: str | None = None
    id_qualifier: str | None = None
    identifier: str | None = None
    address: Address | None = None
    references: tuple[Reference, ...] = ()
    contacts: tuple[Contact, ...] = ()
    taxonomy: str | None = None
    provider_code: str | None = None

    @property
    def npi(self) -> str | None:
        """NM109 when NM108 = XX (National Provider Identifier)."""
        return self.identifier if self.id_qualifier == "XX" else None

    @property
    def tax_id(self) -> str | None:
        """REF*EI (employer id) or REF*SY (social security number) of a billing provider (2010AA)."""
        return next((r.value for r in self.references if r.qualifier in ("EI", "SY")), None)

    def reference(self, qualifier: str) -> str | None:
        return next((r.value for r in self.references if r.qualifier == qualifier), None)


@dataclass(slots=True)
class Subscriber:
    """Loop 2000B (SBR) with 2010BA (NM1*IL subscriber, DMG) and 2010BB (NM1*PR payer)."""

    payer_responsibility: str
    relationship: str | None = None
    group_number: str | None = None
    group_name: str | None = None
    insurance_type: str | None = None
    claim_filing_indicator: str | None = None
    member: Party | None = None
    birth_date: date | None = None
    gender: str | None = None
    payer: Party | None = None


@dataclass(slots=True)
class Patient:
    """Loop 2000C (PAT) with 2010CA (NM1*QC, DMG); absent when the subscriber is the patient."""

    relationship: str
    person: Party | None = None
    birth_date: date | None = None
    gender: str | None = None


@dataclass(slots=True)
class DateValue:
    """DTP: qualifier (DTP01), format (D8 / RD8) and the period it gives."""

    qualifier: str
    start: date
    end: date
    period: bool = False


@dataclass(slots=True)
class CodeEntry:
    """One HI composite (C022): qualifier, code, date format, date, amount, POA indicator."""

    qualifier: str
    code: str
    date_format: str | None = None
    date_value: str | None = None
    amount: Decimal | None = None
    present_on_admission: str | None = None


#: HI qualifiers by meaning (ICD-10 "A"-prefixed, ICD-9 without): diagnoses and procedures.
PRINCIPAL_DIAGNOSIS = frozenset({"ABK", "BK"})
ADMITTING_DIAGNOSIS = frozenset({"ABJ", "BJ"})
REASON_FOR_VISIT = frozenset({"APR", "PR"})
EXTERNAL_CAUSE = frozenset({"ABN", "BN"})
OTHER_DIAGNOSIS = frozenset({"ABF", "BF"})
DIAGNOSIS_QUALIFIERS = (
    PRINCIPAL_DIAGNOSIS | ADMITTING_DIAGNOSIS | REASON_FOR_VISIT | EXTERNAL_CAUSE | (OTHER_DIAGNOSIS)
)
PRINCIPAL_PROCEDURE = frozenset({"BBR", "BR", "CAH"})
OTHER_PROCEDURE = frozenset({"BBQ", "BQ"})
PROCEDURE_QUALIFIERS = PRINCIPAL_PROCEDURE | OTHER_PROCEDURE
#: Other HI code groups in 837I: occurrence (BH), occurrence span (BI), value (BE), condition (BG),
#: DRG (DR), treatment code (TC).
OTHER_CODE_QUALIFIERS = frozenset({"BH", "BI", "BE", "BG", "DR", "TC"})
HI_QUALIFIERS = DIAGNOSIS_QUALIFIERS | PROCEDURE_QUALIFIERS | OTHER_CODE_QUALIFIERS

#: 837I HI segments in TR3 order: one category per segment (principal, admitting, reason for visit,
#: external cause, DRG, other diagnoses, principal / other procedure, occurrence span, occurrence, value,
#: condition, treatment codes).
INSTITUTIONAL_HI_ORDER: tuple[frozenset[str], ...] = (
    PRINCIPAL_DIAGNOSIS, ADMITTING_DIAGNOSIS, REASON_FOR_VISIT, EXTERNAL_CAUSE, frozenset({"DR"}),
    OTHER_DIAGNOSIS, PRINCIPAL_PROCEDURE, frozenset({"BBQ", "BQ"}), frozenset({"BI"}), frozenset({"BH"}),
    frozenset({"BE"}), frozenset({"BG"}), frozenset({"TC"}),
)  # fmt: skip


def code_rank(variant: str, qualifier: str) -> int:
    """Position of an HI qualifier's segment in TR3 order (837P: all diagnoses share HI 1)."""
    if variant == "837P":
        return 0 if qualifier in DIAGNOSIS_QUALIFIERS else 1
    return next(
        (i for i, group in enumerate(INSTITUTIONAL_HI_ORDER) if qualifier in group),
        len(INSTITUTIONAL_HI_ORDER),
    )


@dataclass(slots=True)
class Adjustment:
    """CAS: group code, reason code, amount, quantity (one of the up-to-six triplets)."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(slots=True)
class OtherSubscriber:
    """Loop 2320 (SBR, CAS, AMT, OI) with 2330A (NM1*IL), 2330B (NM1*PR) and 2330C-G providers."""

    payer_responsibility: str
    relationship: str | None = None
    group_number: str | None = None
    group_name: str | None = None
    insurance_type: str | None = None
    claim_filing_indicator: str | None = None
    adjustments: tuple[Adjustment, ...] = ()
    payer_paid: Decimal | None = None
    non_covered: Decimal | None = None
    remaining_liability: Decimal | None = None
    benefits_assignment: str | None = None
    patient_signature_source: str | None = None
    release_of_information: str | None = None
    subscriber: Party | None = None
    payer: Party | None = None
    adjudication_date: date | None = None
    providers: tuple[Party, ...] = ()


@dataclass(slots=True)
class DrugInfo:
    """Loop 2410: LIN (product id qualifier / NDC) and CTP (quantity, unit)."""

    qualifier: str
    code: str
    quantity: Decimal | None = None
    unit: str | None = None
    prescription_number: str | None = None


@dataclass(slots=True)
class LineAdjudication:
    """Loop 2430: SVD (other payer id, paid amount, procedure, units), CAS, DTP*573."""

    payer_id: str
    paid: Decimal
    procedure_qualifier: str | None = None
    procedure_code: str | None = None
    modifiers: tuple[str, ...] = ()
    revenue_code: str | None = None
    units: Decimal | None = None
    bundled_line: str | None = None
    adjustments: tuple[Adjustment, ...] = ()
    adjudication_date: date | None = None


@dataclass(slots=True)
class ServiceLine:
    """Loop 2400: LX with SV1 (837P) or SV2 (837I), DTP*472, REF (6R line control number), AMT."""

    number: int
    charge: Decimal
    procedure_qualifier: str | None = None
    procedure_code: str | None = None
    modifiers: tuple[str, ...] = ()
    description: str | None = None
    revenue_code: str | None = None
    unit_basis: str | None = None
    units: Decimal | None = None
    place_of_service: str | None = None
    diagnosis_pointers: tuple[int, ...] = ()
    emergency: str | None = None
    epsdt: str | None = None
    family_planning: str | None = None
    non_covered: Decimal | None = None
    dates: tuple[DateValue, ...] = ()
    references: tuple[Reference, ...] = ()
    drug: DrugInfo | None = None
    providers: tuple[Party, ...] = ()
    adjudications: tuple[LineAdjudication, ...] = ()

    @property
    def service_date(self) -> DateValue | None:
        """DTP*472 service date (or period)."""
        return next((d for d in self.dates if d.qualifier == "472"), None)

    @property
    def line_control_number(self) -> str | None:
        """REF*6R provider's line item control number."""
        return next((r.value for r in self.references if r.qualifier == "6R"), None)


@dataclass(frozen=True, slots=True)
class BalancingIssue:
    """A data problem found by a balancing check; never an exception. Amounts are not PHI."""

    code: str
    reason: str
    expected: Decimal
    actual: Decimal


@dataclass(slots=True)
class InstitutionalInfo:
    """CL1: admission type (CL101), admission source (CL102), patient status (CL103)."""

    admission_type: str | None = None
    admission_source: str | None = None
    patient_status: str | None = None


@dataclass(slots=True)
class Claim:
    """Loop 2300 with its context (billing provider, subscriber, patient, payer) and its lines."""

    patient_control_number: str
    total_charge: Decimal
    facility_code: str | None
    facility_qualifier: str | None
    frequency_code: str | None
    billing_provider: Party
    subscriber: Subscriber
    pay_to: Party | None = None
    patient: Patient | None = None
    provider_signature: str | None = None
    assignment: str | None = None
    benefits_assignment: str | None = None
    release_of_information: str | None = None
    patient_signature_source: str | None = None
    related_causes: tuple[str, ...] = ()
    accident_state: str | None = None
    special_program: str | None = None
    delay_reason: str | None = None
    dates: tuple[DateValue, ...] = ()
    institutional: InstitutionalInfo | None = None
    references: tuple[Reference, ...] = ()
    patient_paid: Decimal | None = None
    codes: tuple[CodeEntry, ...] = ()
    providers: tuple[Party, ...] = ()
    other_subscribers: tuple[OtherSubscriber, ...] = ()
    lines: tuple[ServiceLine, ...] = ()
    balancing_issues: tuple[BalancingIssue, ...] = ()

    # -- derived views -------------------------------------------------------------------------------

    @property
    def payer(self) -> Party | None:
        """Loop 2010BB payer."""
        return self.subscriber.payer

    @property
    def payer_claim_control_number(self) -> str | None:
        """REF*F8: the payer's control number of the claim a replacement (7) or void (8) refers to."""
        return next((r.value for r in self.references if r.qualifier == "F8"), None)

    @property
    def prior_authorization(self) -> str | None:
        """REF*G1 prior authorization number."""
        return next((r.value for r in self.references if r.qualifier == "G1"), None)

    @property
    def diagnoses(self) -> list[CodeEntry]:
        """HI diagnosis codes in order: principal first, then admitting, reason for visit, other."""
        return [c for c in self.codes if c.qualifier in DIAGNOSIS_QUALIFIERS]

    @property
    def principal_diagnosis(self) -> str | None:
        return next((c.code for c in self.codes if c.qualifier in PRINCIPAL_DIAGNOSIS), None)

    @property
    def admitting_diagnosis(self) -> str | None:
        return next((c.code for c in self.codes if c.qualifier in ADMITTING_DIAGNOSIS), None)

    @property
    def other_diagnoses(self) -> list[str]:
        return [c.code for c in self.codes if c.qualifier in OTHER_DIAGNOSIS]

    @property
    def procedures(self) -> list[CodeEntry]:
        """HI procedure codes (837I): principal (BBR/BR) then other (BBQ/BQ)."""
        return [c for c in self.codes if c.qualifier in PROCEDURE_QUALIFIERS]

    @property
    def statement_period(self) -> DateValue | None:
        """DTP*434 statement covers period (837I)."""
        return next((d for d in self.dates if d.qualifier == "434"), None)

    def provider(self, entity_code: str) -> Party | None:
        """A 2310x claim provider by NM101 (82 rendering, 71 attending, DN referring, 72 operating...)."""
        return next((p for p in self.providers if p.entity_code == entity_code), None)

    @property
    def rendering_provider(self) -> Party | None:
        return self.provider("82")

    @property
    def attending_provider(self) -> Party | None:
        return self.provider("71")

    @property
    def referring_provider(self) -> Party | None:
        return self.provider("DN")

    @property
    def operating_provider(self) -> Party | None:
        return self.provider("72")

    @property
    def line_charge_total(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal(0))


@dataclass(slots=True)
class ClaimTransaction:
    """One 837 transaction set: header (BHT), submitter (1000A), receiver (1000B), claims."""

    variant: str  # "837P" or "837I"
    implementation: str
    control_number: str
    purpose: str | None = None
    reference: str | None = None
    created_date: date | None = None
    created_time: str | None = None
    transaction_type: str | None = None
    submitter: Party | None = None
    receiver: Party | None = None
    claims: list[Claim] = field(default_factory=list)
    detection_note: str | None = None

    @property
    def charge_total(self) -> Decimal:
        return sum((c.total_charge for c in self.claims), Decimal(0))
