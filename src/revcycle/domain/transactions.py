"""Which financial transactions a charge, a claim payment or a patient payment makes.

A transaction is (type, amount, reversal) with a positive amount. The sign of the source amount
decides the direction: a negative payer payment or adjustment (an 835 reversal, CLP02 = 22, or a
correction) reverses that transaction; a credit charge (HL7 table 0017 ``CD``) reverses a charge;
a negative patient payment is a refund.

Claim payments follow the 835 CAS groups (X12 835 TR3 section 1.10.2.4): CO is a contractual
adjustment (contra revenue / A/R), PR moves the amount to the patient's responsibility (patient A/R /
insurance A/R), OA, PI and CR are written off.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from revcycle.domain.charges import ChargeType
from revcycle.domain.journals import JournalKind
from revcycle.domain.money import ZERO, total
from revcycle.domain.remittances import AdjustmentGroup, ClaimPayment

K = JournalKind


@dataclass(frozen=True, slots=True)
class Transaction:
    kind: JournalKind
    amount: Decimal
    reversal: bool = False


def _signed(kind: JournalKind, amount: Decimal, reverse: bool = False) -> Transaction | None:
    if amount == ZERO:
        return None
    return Transaction(kind, abs(amount), reversal=(amount < ZERO) != reverse)


def of_claim_payment(payment: ClaimPayment) -> list[Transaction]:
    co = payment.adjusted(AdjustmentGroup.CONTRACTUAL)
    pr = payment.adjusted(AdjustmentGroup.PATIENT_RESPONSIBILITY)
    other = total(
        a.amount
        for a in payment.all_adjustments
        if a.group not in (AdjustmentGroup.CONTRACTUAL, AdjustmentGroup.PATIENT_RESPONSIBILITY)
    )
    # An 835 reversal (CLP02 = 22) carries negated amounts; one sent with positive amounts reverses too.
    flip = payment.is_reversal and payment.paid > ZERO
    found = (
        _signed(K.PAYER_PAYMENT, payment.paid, flip),
        _signed(K.CONTRACTUAL_ADJUSTMENT, co, flip),
        _signed(K.PATIENT_RESPONSIBILITY, pr, flip),
        _signed(K.WRITE_OFF, other, flip),
    )
    return [t for t in found if t is not None]


def of_charge(charge_type: ChargeType, amount: Decimal) -> list[Transaction]:
    if charge_type is ChargeType.CHARGE:
        found = _signed(K.CHARGE, amount)
    elif charge_type is ChargeType.CREDIT:
        found = _signed(K.CHARGE, -abs(amount))
    elif charge_type is ChargeType.PAYMENT:
        found = _signed(K.PATIENT_PAYMENT, abs(amount))
    else:  # an adjustment: negative reduces what is owed (a write-off), positive undoes one
        found = _signed(K.WRITE_OFF, -amount)
    return [] if found is None else [found]


def of_patient_payment(amount: Decimal) -> list[Transaction]:
    if amount < ZERO:
        return [Transaction(K.REFUND, -amount)]
    found = _signed(K.PATIENT_PAYMENT, amount)
    return [] if found is None else [found]
