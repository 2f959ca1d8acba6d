"""Remittance posting: which claim line an 835 service payment pays, what posting it does to the
claim's balance, and what the contract says the payer should have allowed.

Line matching (X12 835 TR3, loop 2110): the payer returns the provider's line item control number in
REF*6R when the 837 sent one (loop 2400 REF*6R); when it is missing, the line is found by procedure code,
modifiers and date of service (SVC01, DTM*472). A payer that changed the billed code reports the code it
was billed as in SVC06 (composite "original submitted procedure"), and a payer may drop a modifier it
did not price on; both are matched. A service whose code cannot be read at all is matched to a line of
the same charge and date as a last resort. The method is recorded for each line.

Posting totals per claim payment (CLP), by CAS group (TR3 1.10.2.x "Claim Adjustment Group Codes"):
CO contractual write-off, PR patient responsibility, OA / PI / CR other. A line the payer did not pay
at all (SVC03 = 0, no PR share) is denied: its adjustments are the denied amount, still open on the
claim until it is reworked or written off. Reversals (CLP02 = 22) carry negated amounts, so summing
the postings of a claim nets the reversed payment out.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from revcycle.domain.claims import ClaimLine
from revcycle.domain.master_data import Contract
from revcycle.domain.money import ZERO, money, total
from revcycle.domain.remittances import Adjustment, AdjustmentGroup, ClaimPayment, ServicePayment

G = AdjustmentGroup


class MatchMethod(enum.StrEnum):
    LINE_CONTROL_NUMBER = "line_control_number"  # REF*6R
    SUBMITTED_CODE = "submitted_code"  # SVC06: the payer changed the code
    CODE_MODIFIERS_DATE = "code_modifiers_date"
    MODIFIER_DROPPED = "modifier_dropped"  # same code and date, the payer left a modifier out
    REVENUE_CODE_DATE = "revenue_code_date"  # 837I lines paid as NU:revenue code
    CHARGE_DATE = "charge_date"  # the payer's code is unreadable: the one line of that charge and date
    UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class LineMatch:
    service: ServicePayment
    line: ClaimLine | None
    method: MatchMethod


def _same_day(line: ClaimLine, service: ServicePayment) -> bool:
    return (
        line.service_date is None or service.service_date is None or line.service_date == service.service_date
    )


def _mods(modifiers: Iterable[str]) -> frozenset[str]:
    return frozenset(m for m in modifiers if m)


def _by_control(line: ClaimLine, service: ServicePayment) -> bool:
    return bool(service.line_control_number) and line.line_control_number == service.line_control_number


def _by_submitted(line: ClaimLine, service: ServicePayment) -> bool:
    if (
        not service.submitted_code
        or line.procedure_code != service.submitted_code
        or not _same_day(line, service)
    ):
        return False
    submitted = _mods(service.submitted_modifiers)
    return not submitted or submitted == _mods(line.modifiers)


def _by_code(line: ClaimLine, service: ServicePayment) -> bool:
    return (
        service.procedure_code is not None
        and line.procedure_code == service.procedure_code
        and _mods(line.modifiers) == _mods(service.modifiers)
        and _same_day(line, service)
    )


def _by_code_dropped(line: ClaimLine, service: ServicePayment) -> bool:
    return (
        service.procedure_code is not None
        and line.procedure_code == service.procedure_code
        and _mods(service.modifiers) < _mods(line.modifiers)
        and _same_day(line, service)
    )


def _by_revenue(line: ClaimLine, service: ServicePayment) -> bool:
    code = service.revenue_code or service.procedure_code
    return line.revenue_code is not None and line.revenue_code == code and _same_day(line, service)


def _by_charge(line: ClaimLine, service: ServicePayment) -> bool:
    return (
        service.procedure_code is None
        and abs(service.charge) == line.charge
        and service.service_date is not None
        and line.service_date == service.service_date
    )


_PASSES = (
    (MatchMethod.LINE_CONTROL_NUMBER, _by_control),
    (MatchMethod.SUBMITTED_CODE, _by_submitted),
    (MatchMethod.CODE_MODIFIERS_DATE, _by_code),
    (MatchMethod.MODIFIER_DROPPED, _by_code_dropped),
    (MatchMethod.REVENUE_CODE_DATE, _by_revenue),
    (MatchMethod.CHARGE_DATE, _by_charge),
)


def match_lines(lines: Sequence[ClaimLine], services: Sequence[ServicePayment]) -> tuple[LineMatch, ...]:
    """Pair each service payment with at most one claim line, the most certain method first (a line
    control number beats a code match everywhere); unpaired services are UNMATCHED."""
    found: dict[int, LineMatch] = {}
    taken: set[int] = set()
    for method, test in _PASSES:
        for s_index, service in enumerate(services):
            if s_index in found:
                continue
            for l_index, line in enumerate(lines):
                if l_index not in taken and test(line, service):
                    found[s_index] = LineMatch(service, line, method)
                    taken.add(l_index)
                    break
    return tuple(
        found.get(i, LineMatch(service, None, MatchMethod.UNMATCHED)) for i, service in enumerate(services)
    )


# -- posting totals ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostingTotals:
    """What one claim payment (or line) posts: paid, and its adjustments by who bears them."""

    charge: Decimal = ZERO
    paid: Decimal = ZERO
    contractual: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    other: Decimal = ZERO
    denied: Decimal = ZERO

    def __add__(self, other: PostingTotals) -> PostingTotals:
        return PostingTotals(*(money(a + b) for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[Decimal, ...]:
        return (
            self.charge,
            self.paid,
            self.contractual,
            self.patient_responsibility,
            self.other,
            self.denied,
        )


def _grouped(
    adjustments: Iterable[Adjustment], charge: Decimal, paid: Decimal, denied: bool
) -> PostingTotals:
    adjustments = tuple(adjustments)
    patient = total(a.amount for a in adjustments if a.group is G.PATIENT_RESPONSIBILITY)
    if denied:
        rest = total(a.amount for a in adjustments if a.group is not G.PATIENT_RESPONSIBILITY)
        return PostingTotals(charge, paid, ZERO, patient, ZERO, rest)
    contractual = total(a.amount for a in adjustments if a.group is G.CONTRACTUAL)
    other = total(a.amount for a in adjustments if a.group not in (G.CONTRACTUAL, G.PATIENT_RESPONSIBILITY))
    return PostingTotals(charge, paid, contractual, patient, other, ZERO)


def is_denied_line(service: ServicePayment) -> bool:
    """Nothing paid and nothing to the patient on a charged line (either sign: a reversal negates)."""
    return (
        service.paid == ZERO
        and service.charge != ZERO
        and not any(a.group is G.PATIENT_RESPONSIBILITY and a.amount != ZERO for a in service.adjustments)
    )


def line_totals(service: ServicePayment) -> PostingTotals:
    return _grouped(service.adjustments, service.charge, service.paid, is_denied_line(service))


def payment_totals(payment: ClaimPayment, *, denied_claim: bool) -> PostingTotals:
    """The posting of a whole claim payment: its lines, plus the claim-level CAS (all of it denied when
    the claim was denied outright)."""
    lines = sum((line_totals(s) for s in payment.services), PostingTotals())
    claim_paid = payment.paid - lines.paid
    claim_level = _grouped(payment.adjustments, ZERO, claim_paid, denied_claim and not payment.services)
    return PostingTotals(
        charge=payment.charge,
        paid=payment.paid,
        contractual=money(lines.contractual + claim_level.contractual),
        patient_responsibility=money(lines.patient_responsibility + claim_level.patient_responsibility),
        other=money(lines.other + claim_level.other),
        denied=money(lines.denied + claim_level.denied),
    )


@dataclass(frozen=True, slots=True)
class ClaimBalance:
    """A claim's money after posting. ``insurance_balance`` is what is still open with payers (denied,
    or not yet adjudicated); ``patient_balance`` is the patient's share less what the patient paid."""

    charges: Decimal
    posted: PostingTotals
    patient_paid: Decimal = ZERO

    @property
    def insurance_balance(self) -> Decimal:
        p = self.posted
        return money(self.charges - p.paid - p.contractual - p.other - p.patient_responsibility)

    @property
    def patient_balance(self) -> Decimal:
        return money(self.posted.patient_responsibility - self.patient_paid)

    def as_dict(self) -> dict[str, str]:
        p = self.posted
        return {
            "charges": str(money(self.charges)),
            "insurance_paid": str(p.paid),
            "contractual": str(p.contractual),
            "other_adjustments": str(p.other),
            "denied": str(p.denied),
            "patient_responsibility": str(p.patient_responsibility),
            "patient_paid": str(money(self.patient_paid)),
            "insurance_balance": str(self.insurance_balance),
            "patient_balance": str(self.patient_balance),
        }


# -- expected vs paid ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Underpayment:
    procedure_code: str
    expected: Decimal
    allowed: Decimal
    tolerance: Decimal

    @property
    def shortfall(self) -> Decimal:
        return money(self.expected - self.allowed)


def allowed_amount(service: ServicePayment) -> Decimal:
    """AMT*B6 when the payer sent it, else charge less the contractual and payer-initiated reductions."""
    if service.allowed is not None:
        return service.allowed
    reductions = total(a.amount for a in service.adjustments if a.group in (G.CONTRACTUAL, G.PAYER_INITIATED))
    return money(service.charge - reductions)


def expected_allowed(contract: Contract, line: ClaimLine, service: ServicePayment) -> Decimal | None:
    """The contract's rate for the billed code (first modifier first) times the units, capped at the
    charge (a payer allows the lesser of the fee schedule and the billed amount)."""
    code = line.procedure_code
    if code is None:
        return None
    rate = contract.expected(code, line.modifiers[0] if line.modifiers else None)
    if rate is None:
        return None
    units = service.units if service.units else line.units
    return min(money(rate * units), line.charge)


def underpayment(contract: Contract, match: LineMatch, default_tolerance: Decimal) -> Underpayment | None:
    """An underpayment when the payer allowed less than the contract expects by more than the tolerance
    (the contract's own, else the default). Denied lines and lines with no rate are not judged here."""
    service, line = match.service, match.line
    if line is None or service.charge <= ZERO or is_denied_line(service):
        return None
    expected = expected_allowed(contract, line, service)
    if expected is None:
        return None
    tolerance = contract.tolerance if contract.tolerance > ZERO else default_tolerance
    allowed = allowed_amount(service)
    if expected - allowed > tolerance:
        return Underpayment(line.procedure_code or "", expected, allowed, tolerance)
    return None


def service_day(match: LineMatch, fallback: date | None) -> date | None:
    if match.service.service_date is not None:
        return match.service.service_date
    if match.line is not None and match.line.service_date is not None:
        return match.line.service_date
    return fallback
