"""Planning a claim's whole life when it is created, so its label holds the truth even for events after
the run: clearinghouse rejection (277CA) and correction, acceptance, payer lag, adjudication (denials by
cause, contractual and patient amounts, underpayments), rework of denials (a replacement claim, CLM05-3
= 7 with REF*F8, answered by a reversal and a new payment), the secondary claim (COB) and the patient's
payment. Each event is put on the agenda for its day.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from revcycle.simulator import policy, pricing
from revcycle.simulator.adjudication_label import claim_label, days_in_ar
from revcycle.simulator.anomalies import label
from revcycle.simulator.followups import after_insurance, icn_for, remit_day, reversal
from revcycle.simulator.model import Claim, LineResult, Remit, Submission

if TYPE_CHECKING:
    from revcycle.simulator.engine import Simulation


def findings(sim: Simulation, claim: Claim, submit_day: int) -> list[policy.Finding]:
    """The causes present on a claim (facts, before any chance of denial)."""
    causes = policy.CAUSES
    visit = claim.visit
    payer = claim.coverage.payer
    found: list[policy.Finding] = []
    if claim.rank == 1 and visit.stale_coverage:
        found.append(policy.Finding(causes["terminated_coverage"], None))
    if submit_day - min(line.day for line in claim.lines) > payer.timely_filing_days:
        found.append(policy.Finding(causes["late_filing"], None))
    if claim.rank == 1 and visit.auth_needed and not claim.prior_auth:
        if (
            claim.variant == "837I"
            and visit.visit_type.setting == "inpatient"
            and payer.payer_class != "medicare"
        ):
            found.append(policy.Finding(causes["missing_auth"], None))
        for i, line in enumerate(claim.lines):
            if policy.auth_required(payer.payer_id, payer.payer_class, line.code, visit.day, sim.drift):
                found.append(policy.Finding(causes["missing_auth"], i))
    for i, line in enumerate(claim.lines):
        supports = line.service.supports
        if supports and line.dx < len(visit.conditions) and visit.conditions[line.dx] not in supports:
            found.append(policy.Finding(causes["dx_mismatch"], i))
        if not claim.documentation and policy.documentation_required(
            payer.payer_id, line.code, submit_day, sim.drift
        ):
            found.append(policy.Finding(causes["missing_documentation"], i))
        if line.duplicate_of:
            found.append(policy.Finding(causes["duplicate_service"], i))
    if claim.rank == 1:
        found.extend(policy.payer_rules(claim, submit_day, sim.drift))
    return found


def _front_end(sim: Simulation, claim: Claim) -> str | None:
    """The 277CA rejection status code (A7) the clearinghouse will answer with, if any."""
    if claim.variant == "FHIR":
        return None
    visit = claim.visit
    if visit.invalid_dx is not None:
        return "254" if visit.invalid_dx[0] == 0 else "255"
    if visit.invalid_code is not None and visit.lines[visit.invalid_code[0]] in claim.lines:
        return "454"
    rate = sim.config.targets.front_end_rejection_rate * 0.5  # the rest: invalid-code anomalies
    if sim.rng.random() < rate:
        return "164:IL" if sim.rng.random() < 0.6 else "21"
    return None


def _corrected(claim: Claim) -> Claim:
    """The claim as corrected after a front-end rejection (invalid codes replaced)."""
    visit = claim.visit
    diagnoses = list(claim.diagnoses)
    if visit.invalid_dx is not None:
        diagnoses[visit.invalid_dx[0]] = visit.invalid_dx[2]
    lines = list(claim.lines)
    if visit.invalid_code is not None:
        index, _, good = visit.invalid_code
        original = visit.lines[index]
        lines = [replace(line, code=good) if line is original else line for line in lines]
    return replace(claim, diagnoses=diagnoses, lines=lines)


def _price(
    sim: Simulation,
    claim: Claim,
    fired: list[policy.Finding],
    noise: tuple[str, str | None] | None,
    paid_day: int,
    icn: str,
) -> tuple[list[LineResult], list[dict[str, Any]]]:
    """Line results of an adjudication (payer claim control number ``icn``), and underpayment labels."""
    world, rng = sim.world, sim.rng
    payer = claim.coverage.payer
    denied: dict[int, tuple[str, str | None]] = {}
    for finding in fired:
        targets = range(len(claim.lines)) if finding.line is None else (finding.line,)
        for i in targets:
            denied.setdefault(i, (finding.cause.carc, finding.cause.remark))
    if noise is not None:
        targets = range(len(claim.lines)) if rng.random() < 0.5 else (rng.randrange(len(claim.lines)),)
        for i in targets:
            denied.setdefault(i, noise)
    results: list[LineResult] = []
    underpaid: list[dict[str, Any]] = []
    copay_due = True
    rates = sim.anomaly_rates
    short_line = rng.randrange(len(claim.lines)) if rng.random() < rates.underpayment else -1
    for i, (line, control) in enumerate(zip(claim.lines, claim.controls, strict=True)):
        if i in denied:
            results.append(pricing.denied_line(line, control, *denied[i]))
            continue
        contract = world.contract_for(payer.payer_id, line.day)
        expected = pricing.allowed(payer, contract, line)
        amount, why = expected, ""
        renewal = contract.start_day if contract is not None and contract.start_day is not None else None
        coded = line.service.system != "REV"
        in_window = renewal is not None and renewal <= line.day < renewal + rates.stale_rate_window
        if coded and in_window and rng.random() < rates.stale_rate:
            old = world.contract_for(payer.payer_id, (renewal or 1) - 1)
            amount, why = (pricing.allowed(payer, old, line), "old_fee_schedule") if old else (amount, "")
        if i == short_line and line.service.system != "REV" and not why:
            amount, why = int(expected * (0.85 + 0.1 * rng.random())), "below_contract"
        result = pricing.paid_line(
            payer, claim.visit.patient, line, control, amount, copay_due and line.service.kind == "em"
        )
        copay_due = copay_due and line.service.kind != "em"
        results.append(result)
        if why and amount < expected:
            underpaid.append(
                label(
                    "underpayment",
                    paid_day,
                    pcn=claim.pcn,
                    payer_claim_control_number=icn,
                    line_control_number=control,
                    payer_id=payer.payer_id,
                    procedure_code=line.code,
                    expected_allowed=expected / 100,
                    paid_allowed=amount / 100,
                    reason=why,
                )
            )
    return results, underpaid


def plan(sim: Simulation, claim: Claim, day: int) -> None:
    rng = sim.rng
    payer = claim.coverage.payer
    present = findings(sim, claim, day)
    base = payer.base_denial
    probability = policy.probability(base, present)
    fired, noise = policy.decide(rng, base, present)
    reject = _front_end(sim, claim)
    icn = icn_for(sim, claim)
    sim.schedule(day, "submit", Submission(claim, reject, None if reject else icn))
    final_claim, accepted = claim, day + 1
    if reject is not None:
        final_claim = _corrected(claim)
        resubmit = day + rng.randint(3, 5)
        sim.schedule(resubmit, "submit", Submission(final_claim, None, icn))
        accepted = resubmit + 1
    first_day = remit_day(sim, accepted, payer.payer_class)
    results, underpaid = _price(sim, final_claim, fired, noise, first_day, icn)
    denied = bool(fired) or noise is not None
    first = Remit(
        final_claim,
        "4" if denied and all(r.paid == 0 for r in results) else str(min(claim.rank, 2)),
        results,
        icn,
        first_day,
    )
    sim.schedule(first_day, "remit", first)
    final, final_day, overturned, written_off = first, first_day, None, None
    if denied:
        overturned = all(rng.random() < f.cause.overturn for f in fired) and (
            noise is None or rng.random() < policy.NOISE_OVERTURN
        )
        if overturned:
            rework = first_day + rng.randint(7, 21)
            replacement = replace(
                final_claim,
                frequency="7",
                payer_icn=icn,
                documentation=True,
                prior_auth=final_claim.prior_auth or f"PA{sim.next_id('auth'):08d}",
            )
            sim.schedule(rework, "submit", Submission(replacement, None, icn))
            final_day = remit_day(sim, rework + 1, payer.payer_class)
            results2, more = _price(sim, replacement, [], None, final_day, f"{icn}R")
            underpaid += more
            sim.schedule(final_day, "remit", reversal(first, final_day))
            final = Remit(replacement, str(min(claim.rank, 2)), results2, f"{icn}R", final_day)
            sim.schedule(final_day, "remit", final)
        else:
            written_off = first_day + rng.randint(20, 45)
    for record in underpaid:
        sim.label(record)
    if not claim.documentation and any(f.cause.name == "missing_documentation" for f in present):
        sim.label(label("missing_documentation", day, pcn=claim.pcn, visit_number=claim.visit.number))
    events = after_insurance(sim, claim, final, final_day, written_off)
    record = claim_label(claim, day, probability, present, fired, noise, reject, first, final, overturned)
    record["days_in_ar"] = days_in_ar(claim, events, claim.visit.charge_day)
    record["final_day"] = max(d for d, _ in events) if events else final_day
    sim.label(record)
