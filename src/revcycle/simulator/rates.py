"""Benchmark rates the simulator aims at, where each number comes from, and how to measure them.

Targets (all overridable through :class:`Targets`):

* initial denial rate ~12% of claims, varying by payer class: published revenue-cycle benchmarks put
  initial denials at 10-15% of claims (HFMA and MGMA practice surveys; the Change Healthcare Denials
  Index 2020 reported ~11%; Experian Health "State of Claims" 2022-2024 surveys 10-15%). Medicaid and
  some commercial plans deny more, Medicare fee-for-service less.
* clean-claim rate 85-90%: the share of claims accepted and paid on first submission. HFMA MAP Keys
  track it; 85-90% is typical, >= 95% is best practice.
* final denial rate ~3% of claims: denials never overturned and written off. HFMA MAP Key "denial
  write-offs" is reported at about 2-3% of net revenue; industry estimates put 60-75% of initial denials as
  recoverable when reworked.
* days in A/R ~45: HFMA / MGMA benchmarks put typical net days in accounts receivable at 40-50
  (best practice below 40).
* payer lag (days from submission to payment) by payer class: Medicare may not pay a clean electronic claim
  before day 14 and must pay it by day 30 (Social Security Act §1842(c)(3)(B) and §1816(c)(3)(B), the
  "payment floor"); commercial plans are bound by state prompt-pay laws (typically 30-45 days for clean
  claims, most paying in 15-30); Medicaid agencies must pay 90% of clean claims within 30 days and 99%
  within 90 (42 CFR 447.45).
* 277CA front-end rejections ~2% of claims (clearinghouse edit rejections, AHA / Experian surveys
  quote 2-5%).

The measured rates (:func:`measure`) are computed from the label file's claim records, so a test can
compare what was generated with what was asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class PayerLag:
    """Days from claim acceptance to the 835 payment, uniform in [low, high]."""

    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Targets:
    """The rates the world and the adjudication model are calibrated to (see the module docstring)."""

    initial_denial_rate: float = 0.12
    clean_claim_rate: float = 0.875
    final_denial_rate: float = 0.03
    days_in_ar: float = 45.0
    front_end_rejection_rate: float = 0.02
    medicare_lag: PayerLag = PayerLag(14, 24)
    medicaid_lag: PayerLag = PayerLag(21, 45)
    commercial_lag: PayerLag = PayerLag(15, 35)

    def lag(self, payer_class: str) -> PayerLag:
        if payer_class == "medicare":
            return self.medicare_lag
        if payer_class == "medicaid":
            return self.medicaid_lag
        return self.commercial_lag


#: Tolerances the rate test accepts over a 60-day run of a mid-sized world.
TOLERANCE: Mapping[str, float] = MappingProxyType(
    {
        "initial_denial_rate": 0.025,
        "clean_claim_rate": 0.03,
        "final_denial_rate": 0.015,
        "days_in_ar": 10.0,
    }
)


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


class RateAccumulator:
    """Running sums for :func:`measure`, so a long run need not keep its labels."""

    def __init__(self) -> None:
        self.claims = self.denied = self.clean = self.final = self.rejected = 0
        self.probability = self.charge = self.charge_days = 0.0
        self.by_class: dict[str, list[int]] = {}

    def add(self, record: Mapping[str, Any]) -> None:
        if record.get("kind") != "claim" or record.get("rank") != 1 or not record.get("adjudicated"):
            return
        self.claims += 1
        self.denied += 1 if record["denied"] else 0
        self.clean += 1 if record["clean"] else 0
        self.final += 1 if record["final_denied"] else 0
        self.rejected += 1 if record.get("rejected") else 0
        self.probability += record["denial_probability"]
        if record.get("days_in_ar") is not None:
            self.charge += record["charge"]
            self.charge_days += record["charge"] * record["days_in_ar"]
        entry = self.by_class.setdefault(record["payer_class"], [0, 0])
        entry[0] += 1
        entry[1] += 1 if record["denied"] else 0

    def result(self) -> dict[str, float]:
        n = self.claims
        return {
            "claims": float(n),
            "initial_denial_rate": _share(self.denied, n),
            "clean_claim_rate": _share(self.clean, n),
            "final_denial_rate": _share(self.final, n),
            "days_in_ar": _share(self.charge_days, self.charge),
            "front_end_rejection_rate": _share(self.rejected, n),
            "mean_denial_probability": _share(self.probability, n),
        }

    def denial_by_payer_class(self) -> dict[str, float]:
        return {k: _share(v[1], v[0]) for k, v in sorted(self.by_class.items())}


def measure(labels: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Achieved rates from label records (``kind == "claim"``, primary claims with an outcome).

    * initial denial: claims whose first adjudication denied the claim or any line;
    * clean claim: claims accepted by the clearinghouse and payer (999 / 277CA) on first submission and
      paid without denial on first adjudication;
    * final denial: claims still denied after rework;
    * days in A/R: charge-weighted mean of the claims' dollar-weighted days from charge posting until each
      dollar is resolved (paid, adjusted or written off), which equals A/R balance / average daily charges
      in a steady state.
    """
    accumulator = RateAccumulator()
    for record in labels:
        accumulator.add(record)
    return accumulator.result()


def by_payer_class(labels: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Initial denial rate per payer class (primary claims with an outcome)."""
    accumulator = RateAccumulator()
    for record in labels:
        accumulator.add(record)
    return accumulator.denial_by_payer_class()
