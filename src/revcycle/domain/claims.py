"""Claims and their lifecycle (X12 837P/837I, FHIR Claim).

The lifecycle is an explicit state machine: ``Claim.move_to`` raises ``IllegalTransition`` for any move
the table below does not allow. States follow the path of a claim through a clearinghouse and payer:
created from charges (draft), scrubbed, submitted (837 sent), 999 accepted / rejected, 277CA accepted /
rejected, adjudicated (835: paid, partially paid, denied), posted (the payment applied), closed (nothing
owed by payers or the patient; a patient refund that reopens the patient's balance moves it back
to posted); an 835 reversal (CLP02 = 22) reopens an adjudicated claim; a void
(CLM05-3 = 8) ends it; a replacement (CLM05-3 = 7) supersedes it, also after payment (the payer then
reverses the first adjudication).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from revcycle.domain.errors import IllegalTransition
from revcycle.domain.money import total
from revcycle.domain.phi import phi_field


class ClaimStatus(enum.StrEnum):
    DRAFT = "draft"
    SCRUBBED = "scrubbed"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"  # 999 accepted
    ACCEPTED = "accepted"  # 277CA accepted by the payer
    REJECTED = "rejected"  # 999 or 277CA rejection
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    REVERSED = "reversed"
    POSTED = "posted"
    CLOSED = "closed"
    REPLACED = "replaced"
    VOID = "void"


S = ClaimStatus
_ADJUDICATED = frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED})

TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    S.DRAFT: frozenset({S.SCRUBBED, S.SUBMITTED, S.VOID}),
    S.SCRUBBED: frozenset({S.DRAFT, S.SUBMITTED, S.VOID}),
    # A payer may adjudicate without a 277CA we ever see; a clearinghouse may skip the 999.
    S.SUBMITTED: frozenset({S.ACKNOWLEDGED, S.ACCEPTED, S.REJECTED, S.REPLACED, S.VOID} | _ADJUDICATED),
    S.ACKNOWLEDGED: frozenset({S.ACCEPTED, S.REJECTED, S.REPLACED, S.VOID} | _ADJUDICATED),
    S.ACCEPTED: frozenset({S.REJECTED, S.REPLACED, S.VOID} | _ADJUDICATED),
    S.REJECTED: frozenset({S.DRAFT, S.SUBMITTED, S.REPLACED, S.VOID}),
    S.PAID: frozenset({S.POSTED, S.REVERSED, S.REPLACED, S.CLOSED} | _ADJUDICATED),
    S.PARTIALLY_PAID: frozenset({S.POSTED, S.REVERSED, S.REPLACED, S.CLOSED} | _ADJUDICATED),
    S.DENIED: frozenset({S.POSTED, S.REVERSED, S.REPLACED, S.SUBMITTED, S.CLOSED} | _ADJUDICATED),
    S.REVERSED: frozenset({S.REPLACED, S.VOID, S.CLOSED} | _ADJUDICATED),
    # A corrected claim (frequency 7) may follow a posted or closed one (the payer reverses, re-adjudicates).
    S.POSTED: frozenset({S.CLOSED, S.REVERSED, S.REPLACED} | _ADJUDICATED),
    # A patient refund (a returned payment) that reopens the patient's balance puts it back to posted.
    S.CLOSED: frozenset({S.REVERSED, S.REPLACED, S.POSTED}),
    S.REPLACED: frozenset(),
    S.VOID: frozenset(),
}


class ClaimKind(enum.StrEnum):
    PROFESSIONAL = "professional"  # 837P, CMS-1500
    INSTITUTIONAL = "institutional"  # 837I, UB-04


class Frequency(enum.StrEnum):
    """Claim frequency type code (CLM05-3; NUBIL type of bill third digit)."""

    ORIGINAL = "1"
    REPLACEMENT = "7"
    VOID = "8"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """A diagnosis on a claim: ICD-10-CM code without the dot, and its HI qualifier (ABK, ABF, ABJ...)."""

    code: str
    qualifier: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """A service line (Loop 2400: SV1 for 837P, SV2 for 837I)."""

    line_number: int
    procedure_code: str | None
    charge: Decimal
    units: Decimal = Decimal("1")
    modifiers: tuple[str, ...] = ()
    revenue_code: str | None = None
    diagnosis_pointers: tuple[int, ...] = ()
    line_control_number: str | None = None
    service_date: date | None = None
    service_date_end: date | None = None
    place_of_service: str | None = None
    rendering_npi: str | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    source: ClaimStatus
    target: ClaimStatus
    at: datetime
    correlation_id: str | None = None
    reason: str | None = None


@dataclass(slots=True)
class Claim:
    """A claim. ``patient_control_number`` (CLM01) is the provider's id for it and the 835 match key."""

    patient_control_number: str
    kind: ClaimKind
    total_charge: Decimal
    patient_key: str | None = phi_field()  # embeds the MRN
    member_id: str | None = phi_field()
    payer_id: str | None = None
    payer_rank: int = 1
    billing_npi: str | None = None
    rendering_npi: str | None = None
    attending_npi: str | None = None
    referring_npi: str | None = None
    facility_code: str | None = None
    place_of_service: str | None = None
    frequency: Frequency = Frequency.ORIGINAL
    payer_claim_control_number: str | None = None
    prior_authorization: str | None = None
    statement_from: date | None = None
    statement_to: date | None = None
    type_of_bill: str | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    procedures: tuple[str, ...] = ()
    lines: tuple[ClaimLine, ...] = ()
    other_payer_paid: Decimal | None = None
    visit_number: str | None = None
    status: ClaimStatus = ClaimStatus.DRAFT
    history: list[Transition] = field(default_factory=list)

    @property
    def line_total(self) -> Decimal:
        return total(line.charge for line in self.lines)

    @property
    def is_balanced(self) -> bool:
        """Loop 2300 CLM02 must equal the sum of the service line charges (SV102 / SV203)."""
        return not self.lines or self.line_total == self.total_charge

    @property
    def service_date(self) -> date | None:
        """The first date of service: the earliest line date, else the statement start."""
        dates = [line.service_date for line in self.lines if line.service_date is not None]
        return min(dates) if dates else self.statement_from

    @property
    def adjudication(self) -> ClaimStatus | None:
        """The payer's latest decision (paid, partially paid, denied; reversed after a CLP02 = 22),
        whatever posting and closing did since; None before any 835."""
        decisions = _ADJUDICATED | {S.REVERSED}
        return next((t.target for t in reversed(self.history) if t.target in decisions), None)

    def can_move_to(self, target: ClaimStatus) -> bool:
        return target in TRANSITIONS[self.status]

    def move_to(
        self,
        target: ClaimStatus,
        at: datetime,
        *,
        correlation_id: str | None = None,
        reason: str | None = None,
    ) -> Transition:
        """Apply a lifecycle transition, recording it in ``history``; raises IllegalTransition."""
        if not self.can_move_to(target):
            raise IllegalTransition("claim", self.status.value, target.value)
        step = Transition(self.status, target, at, correlation_id, reason)
        self.status = target
        self.history.append(step)
        return step
