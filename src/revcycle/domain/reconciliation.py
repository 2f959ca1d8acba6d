"""The reconciliation control report: charges = claims = remittances = postings, per day and period.

Checkpoints (counts and amounts, per day): charges captured (by date of service), claimed (primary,
live claims by date of service), 999-accepted, 277CA-accepted, adjudicated paid / denied / adjusted (by
payment date), posted (journalled items, by transaction date) and acknowledged by the ERP (journals,
by posting date).

Breaks, each with its subject and amounts:

* ``charge_not_claimed``: a patient's charges on a date with no primary claim for that date;
* ``claim_without_charges``: a primary claim for a date on which the patient has no charges;
* ``amount_differs``: both exist, but charged and claimed amounts differ by more than the threshold;
* ``remittance_without_claim``: a claim payment that matches no claim;
* ``not_posted``: a charge or claim payment with no posting item, or an item quarantined for a GL gap;
* ``posting_differs``: per day, what was posted differs from the source total;
* ``journal_not_acknowledged``: a journal the ERP has not acknowledged (or that was dead-lettered);
* ``journal_unbalanced``: a stored journal whose lines do not balance or do not add up to its totals.

A break is *explained* only by timing (``in_flight``: younger than the claim lag or the
acknowledgment grace) or by design (``self_pay``: no claim is expected); every other break is
unexplained and, when its amount passes the variance threshold, raises a finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from revcycle.domain.control_facts import Break, Facts, Policy, Report
from revcycle.domain.money import ZERO


def reconcile(facts: Facts, start: date, end: date, as_of: datetime, policy: Policy) -> Report:
    report = Report(start, end, as_of)
    _checkpoints(report, facts)
    _charges_vs_claims(report, facts, policy)
    _remittances(report, facts)
    _postings(report, facts)
    _journals(report, facts, policy)
    report.breaks.sort(key=lambda b: (b.day or date.min, b.kind, b.subject_id))
    return report


def _checkpoints(report: Report, facts: Facts) -> None:
    for charge in facts.charges:
        if report.in_range(charge.service_date):
            report.checkpoint(charge.service_date, "charges_captured").add(charge.amount)
    for claim in facts.claims:
        if claim.service_date is None or not report.in_range(claim.service_date):
            continue
        report.checkpoint(claim.service_date, "claimed").add(claim.total_charge)
        if claim.accepted_999:
            report.checkpoint(claim.service_date, "accepted_999").add(claim.total_charge)
        if claim.accepted_277ca:
            report.checkpoint(claim.service_date, "accepted_277ca").add(claim.total_charge)
    for payment in facts.payments:
        if not report.in_range(payment.payment_date):
            continue
        if payment.denied:
            report.checkpoint(payment.payment_date, "adjudicated_denied").add(payment.charge)
        else:
            report.checkpoint(payment.payment_date, "adjudicated_paid").add(payment.paid)
        if payment.adjusted != ZERO:
            report.checkpoint(payment.payment_date, "adjudicated_adjusted").add(payment.adjusted)
    for item in facts.items:
        if item.status == "journalled" and report.in_range(item.transaction_date):
            report.checkpoint(item.transaction_date, "posted").add(item.amount)
    for journal in facts.journals:
        if journal.status == "acknowledged" and report.in_range(journal.posting_date):
            report.checkpoint(journal.posting_date, "acknowledged").add(journal.debit_total)


# Matching passes, most exact first: (facility, date, code, amount), then without the facility (a FHIR
# ChargeItem may not name it), then without the code (an 837I line carries a revenue code where the
# charge has a chargemaster code). What is left is matched on (date, code) as an amount difference.
_PASSES: tuple[Callable[[str | None, date, str | None, Decimal], tuple[object, ...]], ...] = (
    lambda facility, day, code, amount: (facility, day, code, amount),
    lambda facility, day, code, amount: (day, code, amount),
    lambda facility, day, code, amount: (day, amount),
)


def _charges_vs_claims(report: Report, facts: Facts, policy: Policy) -> None:
    """Charge lines against claim lines (see ``_PASSES``); what is left is unclaimed charges and claim
    lines no charge backs. Matching on the service rather than the patient keeps the control
    independent of patient identity (an HL7 MRN, a FHIR id and an 837 member id name one person)."""
    claim_lines = [
        (claim.id, claim.facility, day, code, amount)
        for claim in facts.claims
        for day, code, amount in claim.lines
        if amount != ZERO
    ]
    charges = sorted((c for c in facts.charges if c.amount != ZERO), key=lambda c: c.id)
    for key in _PASSES:
        pool: dict[tuple[object, ...], list[tuple[int, str | None, date, str | None, Decimal]]] = defaultdict(
            list
        )
        for line in claim_lines:
            pool[key(line[1], line[2], line[3], line[4])].append(line)
        unmatched = []
        for charge in charges:
            found = pool.get(key(charge.facility, charge.service_date, charge.code, charge.amount))
            if found:
                found.pop()
            else:
                unmatched.append(charge)
        charges = unmatched
        claim_lines = [line for lines in pool.values() for line in lines]
    by_code: dict[tuple[object, ...], list[tuple[int, str | None, date, str | None, Decimal]]] = defaultdict(
        list
    )
    for line in claim_lines:
        by_code[(line[2], line[3])].append(line)
    lag_edge = report.as_of.date() - timedelta(days=policy.claim_lag_days)
    for charge in charges:
        day = charge.service_date
        found = by_code.get((day, charge.code))
        if found:
            claim_id, _, _, _, claimed = found.pop()
            if report.in_range(day):
                report.breaks.append(
                    Break(
                        "amount_differs",
                        day,
                        "claim",
                        str(claim_id),
                        claimed,
                        charge.amount,
                        abs(claimed - charge.amount) <= policy.variance_amount,
                        f"charge {charge.id} {charge.code} charged {charge.amount}",
                    )
                )
            continue
        if not report.in_range(day):
            continue
        reason = "" if charge.insured else "self_pay: no insurance on the date of service, no claim expected"
        if charge.insured and day > lag_edge:
            reason = f"in_flight: within the {policy.claim_lag_days}-day claim lag"
        report.breaks.append(
            Break(
                "charge_not_claimed", day, "charge", str(charge.id), ZERO, charge.amount, bool(reason), reason
            )
        )
    for lines in by_code.values():
        for claim_id, _, day, code, amount in lines:
            if report.in_range(day):
                report.breaks.append(
                    Break(
                        "claim_without_charges",
                        day,
                        "claim",
                        str(claim_id),
                        amount,
                        ZERO,
                        False,
                        f"line {code}",
                    )
                )


def _remittances(report: Report, facts: Facts) -> None:
    for payment in facts.payments:
        if payment.claim_id is None and report.in_range(payment.payment_date):
            report.breaks.append(
                Break(
                    "remittance_without_claim", payment.payment_date, "payment", str(payment.id), payment.paid
                )
            )


def _postings(report: Report, facts: Facts) -> None:
    for kind, source_id, day, amount in facts.unitemised:
        if report.in_range(day):
            report.breaks.append(
                Break("not_posted", day, kind, str(source_id), ZERO, amount, False, "no posting item")
            )
    for item in facts.items:
        if item.status == "quarantined" and report.in_range(item.transaction_date):
            report.breaks.append(
                Break(
                    "not_posted",
                    item.transaction_date,
                    item.source_kind,
                    str(item.source_id),
                    ZERO,
                    item.amount,
                    False,
                    item.gap or "quarantined",
                )
            )
    # Control totals: what the sources say against what was itemised, per day and transaction.
    source: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
    posted: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
    for charge in facts.charges:
        source[(charge.service_date, "charge")] += charge.amount
    for payment in facts.payments:
        source[(payment.payment_date, "payer_payment")] += payment.paid
    for item in facts.items:
        if item.source_kind == "charge" and item.transaction == "charge":
            posted[(item.transaction_date, "charge")] += -item.amount if item.reversal else item.amount
        elif item.source_kind == "claim_payment" and item.transaction == "payer_payment":
            posted[(item.transaction_date, "payer_payment")] += -item.amount if item.reversal else item.amount
    # Sources already reported as not posted (no item, or quarantined) are not reported again here.
    for kind, _, day, amount in facts.unitemised:
        if kind in ("charge", "claim_payment"):
            posted[(day, "charge" if kind == "charge" else "payer_payment")] += amount
    for day, kind in sorted(set(source) | set(posted)):
        if report.in_range(day) and source[(day, kind)] != posted[(day, kind)]:
            report.breaks.append(
                Break("posting_differs", day, kind, day.isoformat(), posted[(day, kind)], source[(day, kind)])
            )


def _journals(report: Report, facts: Facts, policy: Policy) -> None:
    for journal in facts.journals:
        if not report.in_range(journal.posting_date):
            continue
        if (
            journal.debit_total != journal.credit_total
            or journal.lines_debit != journal.debit_total
            or journal.lines_credit != journal.credit_total
        ):
            report.breaks.append(
                Break(
                    "journal_unbalanced",
                    journal.posting_date,
                    "journal",
                    str(journal.id),
                    journal.lines_debit,
                    journal.lines_credit,
                    False,
                    f"totals {journal.debit_total}/{journal.credit_total}",
                )
            )
        if journal.status != "acknowledged":
            young = report.as_of - journal.created_at < policy.ack_grace and journal.status != "dead"
            reason = "in_flight: within the acknowledgment grace" if young else journal.status
            report.breaks.append(
                Break(
                    "journal_not_acknowledged",
                    journal.posting_date,
                    "journal",
                    str(journal.id),
                    ZERO,
                    journal.debit_total,
                    young,
                    reason,
                )
            )
