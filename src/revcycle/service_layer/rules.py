"""The one seam between handlers and the rules: gather a subject's facts, run the registered rules
for its type (``revcycle.domain.rules.registry.RULES``) and raise what they find in the caller's unit
of work, with the message's correlation id."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from revcycle.domain.charges import Charge
from revcycle.domain.claims import Claim, ClaimStatus
from revcycle.domain.patients import Coverage, Patient
from revcycle.domain.rules.facts import ChargeFacts, ClaimFacts, PatientFacts, PayerFacts, Subject
from revcycle.domain.rules.reference import ReferenceDataError
from revcycle.domain.rules.registry import rules_for
from revcycle.domain.visits import PatientClass
from revcycle.service_layer.errors import TransientError
from revcycle.service_layer.ports import MessageContext, UnitOfWork


def apply_rules(uow: UnitOfWork, ctx: MessageContext, subject: Subject) -> int:
    """Run every rule registered for the subject's type; returns how many findings were raised."""
    raised = 0
    try:
        for rule in rules_for(type(subject)):
            for found in rule.check(subject, uow.reference):
                uow.findings.raise_finding(replace(found, correlation_id=ctx.correlation_id), ctx)
                raised += 1
    except ReferenceDataError as error:  # a configuration problem: retried (then dead-lettered), not lost
        raise ReferenceDataUnavailable(str(error)) from error
    return raised


class ReferenceDataUnavailable(TransientError):
    code = "reference_data"


def patient_facts(uow: UnitOfWork, patient_key: str | None) -> PatientFacts | None:
    return facts_of(uow.patients.get(patient_key) if patient_key else None)


def facts_of(patient: Patient | None) -> PatientFacts | None:
    return None if patient is None else PatientFacts(sex=patient.sex.value, birth_date=patient.birth_date)


def payer_facts(uow: UnitOfWork, payer_id: str | None, on: date | None) -> PayerFacts | None:
    if not payer_id:
        return None
    payer = uow.master_data.find("payer", payer_id, on)
    if payer is None:
        return None
    days = payer.get("timely_filing_days")
    return PayerFacts(payer_id, int(days) if days else None)


class ChargeChecker:
    """Runs the charge rules for the lines of one message, looking the patient and the payer up once
    (the payer per date of service: master data is effective-dated)."""

    def __init__(self, uow: UnitOfWork, ctx: MessageContext, coverages: tuple[Coverage, ...] = ()) -> None:
        self.uow, self.ctx, self.coverages = uow, ctx, coverages
        self._patients: dict[str, PatientFacts | None] = {}
        self._payers: dict[tuple[str, date | None], PayerFacts | None] = {}
        self._inpatient: dict[tuple[str, str | None], bool] = {}

    def knows(self, patient_key: str, patient: Patient | None) -> None:
        """The caller has just read (or stored) this patient: no need to read it again."""
        self._patients[patient_key] = facts_of(patient)

    def check(self, charge: Charge, charge_id: int, same_service: list[int]) -> int:
        key = charge.patient_key
        if key not in self._patients:
            self._patients[key] = patient_facts(self.uow, key)
        facts = ChargeFacts(
            charge=charge,
            charge_id=charge_id,
            same_service=tuple(same_service),
            as_of=charge.posted_on or self.ctx.received_at.date(),
            payer=self._payer(key, charge.service_date),
            patient=self._patients[key],
            inpatient=self._is_inpatient(key, charge.visit_number),
        )
        return apply_rules(self.uow, self.ctx, facts)

    def _is_inpatient(self, patient_key: str, visit_number: str | None) -> bool:
        if (patient_key, visit_number) not in self._inpatient:
            visit = self.uow.encounters.get(patient_key, visit_number) if visit_number else None
            self._inpatient[(patient_key, visit_number)] = (
                visit is not None and visit.patient_class is PatientClass.INPATIENT
            )
        return self._inpatient[(patient_key, visit_number)]

    def _payer(self, patient_key: str, on: date | None) -> PayerFacts | None:
        """The message's own (DFT IN1) primary coverage, else the patient's stored one."""
        if (patient_key, on) not in self._payers:
            coverages = self.coverages or self.uow.patients.coverages(patient_key)
            primary = min(coverages, key=lambda c: c.rank) if coverages else None
            self._payers[(patient_key, on)] = payer_facts(self.uow, primary.payer_id if primary else None, on)
        return self._payers[(patient_key, on)]


_NOT_DUPLICABLE = frozenset({ClaimStatus.REPLACED, ClaimStatus.VOID, ClaimStatus.REJECTED})


def check_claim(uow: UnitOfWork, ctx: MessageContext, claim: Claim, claim_id: int) -> int:
    same = [
        stored.id
        for stored in uow.claims.same_content(claim)
        if stored.id != claim_id
        and stored.claim.patient_control_number != claim.patient_control_number
        and stored.claim.status not in _NOT_DUPLICABLE
    ]
    contracted = fee_schedule(uow, claim.payer_id, claim.service_date)
    facts = ClaimFacts(claim, claim_id, tuple(same), patient_facts(uow, claim.patient_key), contracted)
    return apply_rules(uow, ctx, facts)


def fee_schedule(uow: UnitOfWork, payer_id: str | None, on: date | None) -> dict[str, Decimal]:
    """The payer's contracted amounts on the date of service (master data ``contract`` records:
    ``fee_schedule`` entries scaled by ``percent_of_schedule``); ``code:modifier`` keys for entries
    priced per modifier."""
    if not payer_id:
        return {}
    amounts: dict[str, Decimal] = {}
    for contract in uow.master_data.valid_on("contract", on):
        if contract.get("payer_id") != payer_id:
            continue
        scale = Decimal(str(contract.get("percent_of_schedule") or "1"))
        for entry in contract.get("fee_schedule") or ():
            code, modifier = entry.get("procedure_code"), entry.get("modifier")
            if code and entry.get("amount") is not None:
                key = f"{code}:{modifier}" if modifier else code
                amounts[key] = Decimal(str(entry["amount"])) * scale
    return amounts
