"""What a payer pays for a line: the contracted allowed amount, the patient's share, the contractual
write-off, and what a secondary payer pays after it.

Allowed amount: the contract's rate for the code times the units (the fee schedule the ERP publishes),
or, for institutional lines without a procedure code, the payer's share of charges. Patient share (835
group PR): a copay on the office E/M line (commercial plans), the remaining annual deductible (CARC 1),
then coinsurance on the rest (CARC 2; Medicare Part B 20%). Preventive services carry no cost sharing
(ACA §2713). The rest of the charge is the contractual adjustment CO-45. Balancing follows the 835 TR3:
charge - adjustments = paid.

Secondary payers (COB): Medicaid as payer of last resort pays the remaining patient share, a Medicare
supplement pays deductible and coinsurance, a commercial secondary pays 80% of it; the primary's
payment and write-off become OA-23 ("impact of prior payer adjudication").
"""

from __future__ import annotations

from revcycle.simulator.model import Adjustment, ChargeLine, LineResult
from revcycle.simulator.population import Patient
from revcycle.simulator.world import Contract, Payer


def allowed(payer: Payer, contract: Contract | None, line: ChargeLine) -> int:
    if line.service.system == "REV" or contract is None:
        return int(line.charge * payer.facility_rate)
    rate = contract.rates.get(line.service.code)
    if rate is None:
        return int(line.charge * payer.facility_rate)
    return min(rate * line.units, line.charge)


def paid_line(
    payer: Payer, patient: Patient, line: ChargeLine, control: str, allowed_amount: int, copay_due: bool
) -> LineResult:
    """Adjudicate a payable line: patient share, CO-45, paid."""
    adjustments: list[Adjustment] = []
    rest = allowed_amount
    if line.service.kind != "preventive" and payer.payer_class != "medicaid":
        if copay_due and payer.copay:
            copay = min(payer.copay, rest)
            adjustments.append(Adjustment("PR", "3", copay))
            rest -= copay
        met = patient.deductible_met.get(payer.payer_id, 0)
        deductible = min(max(payer.deductible - met, 0), rest)
        if deductible:
            patient.deductible_met[payer.payer_id] = met + deductible
            adjustments.append(Adjustment("PR", "1", deductible))
            rest -= deductible
        coinsurance = int(rest * payer.coinsurance)
        if coinsurance:
            adjustments.append(Adjustment("PR", "2", coinsurance))
            rest -= coinsurance
    if line.charge > allowed_amount:
        adjustments.insert(0, Adjustment("CO", "45", line.charge - allowed_amount))
    return LineResult(line, control, allowed_amount, rest, adjustments)


def denied_line(line: ChargeLine, control: str, carc: str, remark: str | None) -> LineResult:
    return LineResult(line, control, 0, 0, [Adjustment("CO", carc, line.charge)], (remark,) if remark else ())


def patient_share(result: LineResult) -> int:
    return sum(a.amount for a in result.adjustments if a.group == "PR")


def secondary_line(payer: Payer, primary: LineResult) -> LineResult:
    """The secondary payer's adjudication of a line the primary paid."""
    share = patient_share(primary)
    full = payer.payer_class == "medicaid" or payer.payer_id == "SYNGRN"
    pays = share if full else int(share * 0.8)
    adjustments = [Adjustment("OA", "23", primary.line.charge - share)]
    if share - pays:
        adjustments.append(Adjustment("PR", "2", share - pays))
    return LineResult(primary.line, primary.control, primary.allowed, pays, adjustments)
