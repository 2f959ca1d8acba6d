"""Edit-table rows in the shape CMS publishes them (NCCI MUE and PTP), and sex / age edits.

* MUE (Medically Unlikely Edits, CMS NCCI): the most units of a HCPCS/CPT code one provider reports for
  one patient on one date of service; ``adjudication_indicator`` 1 = line edit, 2 = date-of-service edit
  (policy), 3 = date-of-service edit (clinical).
* PTP (Procedure-to-Procedure, CMS NCCI): ``column2`` is not paid with ``column1`` on the same date for
  the same patient and provider; ``modifier_indicator`` 0 = never allowed, 1 = allowed with an NCCI-
  associated modifier (59, XE, XS, XP, XU, 25, 91, anatomic modifiers...), 9 = the edit is deleted.
* Sex / age edits (as in the CMS Medicare Code Editor): a code only for one sex or an age range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: Modifiers that bypass a PTP edit with modifier indicator 1 (NCCI Policy Manual, ch. I, section E).
PTP_BYPASS_MODIFIERS = frozenset(
    {"59", "XE", "XS", "XP", "XU", "25", "57", "58", "78", "79", "91", "24", "27"}
    | {"E1", "E2", "E3", "E4", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "FA"}
    | {"LT", "RT", "LC", "LD", "LM", "RC", "RI", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "TA"}
)


@dataclass(frozen=True, slots=True)
class MueEdit:
    code: str
    max_units: int
    adjudication_indicator: int = 2


@dataclass(frozen=True, slots=True)
class PtpEdit:
    column1: str
    column2: str
    modifier_indicator: int  # 0 not allowed, 1 allowed with a bypass modifier, 9 not applicable
    effective: date | None = None
    deleted: date | None = None

    def applies(self, on: date | None) -> bool:
        if self.modifier_indicator == 9:
            return False
        if on is None:
            return self.deleted is None
        return (self.effective is None or self.effective <= on) and (
            self.deleted is None or on <= self.deleted
        )

    def bypassed(self, modifiers: tuple[str, ...]) -> bool:
        return self.modifier_indicator == 1 and any(m in PTP_BYPASS_MODIFIERS for m in modifiers)


@dataclass(frozen=True, slots=True)
class SexAgeEdit:
    code: str  # a procedure code or an ICD-10-CM code (or category prefix, e.g. "O" or "N40")
    sex: str | None = None  # "F" or "M": the only sex the code applies to
    min_age: int | None = None  # years, inclusive
    max_age: int | None = None  # years, inclusive

    def problem(self, sex: str | None, age: int | None) -> str | None:
        """Why the code does not fit the patient (PHI-free: names the edit, not the patient's data)."""
        if self.sex and sex in ("F", "M") and sex != self.sex:
            return f"sex edit ({self.sex} only)"
        if age is not None and self.min_age is not None and age < self.min_age:
            return f"age edit ({self._range()})"
        if age is not None and self.max_age is not None and age > self.max_age:
            return f"age edit ({self._range()})"
        return None

    def _range(self) -> str:
        low = self.min_age if self.min_age is not None else 0
        return f"{low}-{self.max_age if self.max_age is not None else ''}"


def age_on(birth: date | None, on: date | None) -> int | None:
    """Age in whole years on a date."""
    if birth is None or on is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
