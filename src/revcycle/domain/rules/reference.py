"""The reference data rules judge against: code sets, edit tables, the chargemaster and thresholds.

The Protocols here are the ports; ``revcycle.adapters.codesets`` implements them over the CMS / CDC
files (loaded lazily, once per process). Every look-up returns ``None`` for a valid code, else a short
PHI-free reason ("terminated 2016-12-31", "not billable (header)").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from revcycle.domain.rules.edits import MueEdit, PtpEdit, SexAgeEdit


class ReferenceDataError(Exception):
    """A code set or edit table the rules need cannot be read (missing file, malformed row)."""


class CodeSets(Protocol):
    """Code-set validity on a date of service."""

    def icd10cm(self, code: str, on: date | None) -> str | None:
        """ICD-10-CM (no dot): valid on ``on`` and billable (a leaf), else why not."""
        ...

    def hcpcs(self, code: str, on: date | None) -> str | None:
        """HCPCS Level II: known and not terminated before ``on``, else why not."""
        ...

    def modifier(self, code: str, on: date | None) -> str | None: ...

    def place_of_service(self, code: str) -> str | None: ...

    def revenue_code(self, code: str) -> str | None: ...


class EditTables(Protocol):
    """NCCI-shaped edit tables the user can load (CMS MUE and PTP files; sex / age edits)."""

    def mue(self, code: str) -> MueEdit | None: ...

    def ptp(self, column1: str, column2: str, on: date | None) -> PtpEdit | None: ...

    def sex_age(self, code: str, kind: str) -> SexAgeEdit | None:
        """The edit for a ``"diagnosis"`` or ``"procedure"`` code (the most specific prefix)."""
        ...


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Tunable limits of the rules (settings ``rule_*``)."""

    missing_charge_after: timedelta = timedelta(hours=72)
    timely_filing_margin_days: int = 14
    fee_variance_low: Decimal = Decimal("1.0")  # a charge below 1.0 x the contracted amount


@dataclass(frozen=True, slots=True)
class Reference:
    codes: CodeSets
    edits: EditTables
    chargemaster: Mapping[str, str] = field(default_factory=dict)  # local service code -> CPT/HCPCS
    thresholds: Thresholds = Thresholds()
