"""After a claim's adjudication: the payer's timing (lag, payment days, claim control numbers), reversals
of reworked claims, the secondary claim (coordination of benefits) and the patient's balance.

Patient balances: ~72% of patients pay their share 14-60 days after the last insurance payment (patient
collection rates of 50-80% are reported for insured balances); the rest is written off as bad debt after
120 days (no message: the write-off is the billing system's).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from revcycle.simulator import pricing
from revcycle.simulator.adjudication_label import claim_label, days_in_ar
from revcycle.simulator.model import Adjustment, Claim, LineResult, PatientPaymentDue, Remit, Submission

if TYPE_CHECKING:
    from revcycle.simulator.engine import Simulation

PATIENT_PAYS = 0.72
BAD_DEBT_DAYS = 120


def remit_day(sim: Simulation, accepted_day: int, payer_class: str) -> int:
    lag = sim.config.targets.lag(payer_class)
    day = accepted_day + sim.rng.randint(lag.low, lag.high)
    weekday = sim.clock.weekday(day)
    return day + (7 - weekday if weekday >= 5 else 0)


def icn_for(sim: Simulation, claim: Claim) -> str:
    payer = claim.coverage.payer
    number = sim.next_id("icn:" + payer.payer_id)
    return f"{payer.payer_id[3:]}{sim.clock.ymd(claim.created_day)[:4]}{number:09d}"


def reversal(remit: Remit, day: int) -> Remit:
    """The payer taking back an earlier adjudication (CLP02 = 22): every amount negated."""
    lines = [replace(r.line, charge=-r.line.charge) for r in remit.results]
    reversed_claim = replace(remit.claim, lines=lines, total=-remit.claim.total)
    negated = [
        LineResult(
            line,
            r.control,
            -r.allowed,
            -r.paid,
            [Adjustment(a.group, a.reason, -a.amount) for a in r.adjustments],
        )
        for r, line in zip(remit.results, lines, strict=True)
    ]
    return Remit(reversed_claim, "22", negated, remit.icn, day)


def after_insurance(
    sim: Simulation, claim: Claim, final: Remit, final_day: int, written_off: int | None
) -> list[tuple[int, int]]:
    """Secondary claim and patient payment; returns (day, cents resolved) events for days in A/R."""
    if written_off is not None:
        return [(written_off, claim.total)]
    rng = sim.rng
    share = final.patient_responsibility
    events = [(final_day, claim.total - share)]
    secondary = next((c for c in claim.visit.coverages[1:] if c.payer.payer_class != "self_pay"), None)
    if claim.rank == 1 and secondary is not None and share > 0 and claim.variant != "FHIR":
        follow = Claim(
            pcn=f"{claim.pcn}S",
            variant=claim.variant,
            visit=claim.visit,
            coverage=secondary,
            rank=2,
            lines=final.claim.lines,
            controls=final.claim.controls,
            diagnoses=final.claim.diagnoses,
            created_day=final_day + rng.randint(2, 5),
            prior_auth=final.claim.prior_auth,
            primary=final.claim,
            primary_results=final.results,
            primary_paid_day=final_day,
        )
        plan_secondary(sim, follow)
        return events
    if share > 0:
        events.append(_patient_payment(sim, claim, share, final_day))
    return events


def _patient_payment(sim: Simulation, claim: Claim, amount: int, after: int) -> tuple[int, int]:
    rng = sim.rng
    if rng.random() < PATIENT_PAYS:
        day = after + rng.randint(14, 60)
        sim.schedule(
            day, "payment", PatientPaymentDue(claim.visit.patient, amount, claim.pcn, rng.randint(540, 1020))
        )
        return day, amount
    return after + BAD_DEBT_DAYS, amount


def plan_secondary(sim: Simulation, claim: Claim) -> None:
    """A secondary claim: 837 with loops 2320/2330 and 2430, adjudicated from the primary's results (the
    secondary pays the patient share by its COB rules; the model does not deny secondary claims)."""
    payer = claim.coverage.payer
    day = claim.created_day
    icn = icn_for(sim, claim)
    sim.schedule(day, "submit", Submission(claim, None, icn))
    paid_day = remit_day(sim, day + 1, payer.payer_class)
    results = [pricing.secondary_line(payer, r) for r in claim.primary_results]
    remit = Remit(claim, "2", results, icn, paid_day)
    sim.schedule(paid_day, "remit", remit)
    share = remit.patient_responsibility
    events = [(paid_day, claim.total - share)]
    if share > 0:
        events.append(_patient_payment(sim, claim, share, paid_day))
    record = claim_label(claim, day, 0.0, [], [], None, None, remit, remit, None)
    record["days_in_ar"] = days_in_ar(claim, events, day)
    record["final_day"] = max(d for d, _ in events)
    sim.label(record)
