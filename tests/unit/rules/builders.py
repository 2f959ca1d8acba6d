"""Builders for the rule tests: facts, a reference over the real (vendored) code sets, small tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

from revcycle.adapters.codesets.catalog import load_code_sets
from revcycle.domain.charges import Charge
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine, Diagnosis
from revcycle.domain.rules.edits import MueEdit, PtpEdit, SexAgeEdit
from revcycle.domain.rules.facts import ChargeFacts, ClaimFacts, PatientFacts
from revcycle.domain.rules.reference import Reference, Thresholds

DOS = date(2026, 2, 16)
KEY = "MPI|M900001"


class TableEdits:
    """The EditTables port over in-memory rows."""

    def __init__(
        self,
        mue: list[MueEdit] = (),  # type: ignore[assignment]
        ptp: list[PtpEdit] = (),  # type: ignore[assignment]
        sex_age: list[tuple[str, SexAgeEdit]] = (),  # type: ignore[assignment]
    ) -> None:
        self._mue = {e.code: e for e in mue}
        self._ptp = {(e.column1, e.column2): e for e in ptp}
        self._sex_age = {(kind, e.code): e for kind, e in sex_age}

    def mue(self, code: str) -> MueEdit | None:
        return self._mue.get(code)

    def ptp(self, column1: str, column2: str, on: date | None) -> PtpEdit | None:
        return self._ptp.get((column1, column2))

    def sex_age(self, code: str, kind: str) -> SexAgeEdit | None:
        for end in range(len(code), 0, -1):
            if (kind, code[:end]) in self._sex_age:
                return self._sex_age[(kind, code[:end])]
        return None


def reference(edits: TableEdits | None = None, **kwargs: Any) -> Reference:
    return Reference(codes=load_code_sets(), edits=edits or TableEdits(), **kwargs)


def thresholds(**kwargs: Any) -> Thresholds:
    return Thresholds(**kwargs)


def charge(code: str | None = "99213", **kwargs: Any) -> Charge:
    values: dict[str, Any] = {
        "transaction_id": "T1",
        "patient_key": KEY,
        "visit_number": "V1",
        "service_date": DOS,
        "transaction_code": f"CDM{code}" if code else "CDMX",
        "procedure_code": code,
        "amount": D("150.00"),
        "diagnoses": ("I10",),
        "performing_npi": "1234567893",
    }
    values.update(kwargs)
    return Charge(**values)


def charge_facts(c: Charge | None = None, **kwargs: Any) -> ChargeFacts:
    return ChargeFacts(charge=c or charge(), charge_id=kwargs.pop("charge_id", 7), **kwargs)


def line(number: int, code: str | None, amount: str = "100.00", **kwargs: Any) -> ClaimLine:
    values: dict[str, Any] = {"service_date": DOS, "diagnosis_pointers": (1,)}
    values.update(kwargs)
    return ClaimLine(number, code, D(amount), **values)


def claim(*lines: ClaimLine, dx: tuple[str, ...] = ("I10",), **kwargs: Any) -> Claim:
    lines = lines or (line(1, "99213"),)
    values: dict[str, Any] = {
        "patient_control_number": "PCN1",
        "kind": ClaimKind.PROFESSIONAL,
        "total_charge": sum((ln.charge for ln in lines), D("0.00")),
        "patient_key": KEY,
        "payer_id": "PAYER-A",
        "billing_npi": "1234567893",
        "diagnoses": tuple(Diagnosis(code, "ABK" if i == 0 else "ABF") for i, code in enumerate(dx)),
        "lines": lines,
    }
    values.update(kwargs)
    return Claim(**values)


def claim_facts(c: Claim | None = None, **kwargs: Any) -> ClaimFacts:
    return ClaimFacts(claim=c or claim(), claim_id=kwargs.pop("claim_id", 3), **kwargs)


def patient(sex: str = "F", born: date = date(1980, 5, 1)) -> PatientFacts:
    return PatientFacts(sex=sex, birth_date=born)
