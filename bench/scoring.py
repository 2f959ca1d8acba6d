"""Scoring findings against the simulator's ground-truth labels (pure: no store, no I/O).

A *resolved finding* is a finding with the source ids the scorer looked up for its subject (a charge's
FT1-2 transaction id and PV1-19 visit number, a claim's CLM01 and visit, an appointment's SCH-1, an
encounter's visit number). Each anomaly type has a matcher: which finding types count for it, and which
label a finding matches. Recall is over labels (a label is found when a matching finding exists),
precision over the findings of the type's finding types (a finding is right when it matches a label).
Labels that cannot be detected yet at the scoring time (a visit still inside its grace period) are
counted apart as ``pending``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Label = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Resolved:
    type: str
    subject_kind: str
    subject_id: str
    details: dict[str, Any] = field(default_factory=dict)
    visit_number: str | None = None
    transaction_id: str | None = None
    pcn: str | None = None
    appointment_id: str | None = None
    message_type: str | None = None


@dataclass(frozen=True, slots=True)
class Matcher:
    finding_types: frozenset[str]
    matches: Callable[[Label, Resolved], bool]
    considers: Callable[[Resolved], bool] = lambda _: True  # which findings of those types count


@dataclass
class Score:
    anomaly: str
    labels: int = 0
    found: int = 0
    pending: int = 0
    findings: int = 0
    correct: int = 0

    @property
    def recall(self) -> float | None:
        due = self.labels - self.pending
        return self.found / due if due else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.findings if self.findings else None


def _code(f: Resolved) -> str | None:
    code = f.details.get("code")
    return str(code) if code is not None else None


def _system(*systems: str) -> Callable[[Resolved], bool]:
    return lambda f: f.details.get("code_system") in systems


MATCHERS: dict[str, Matcher] = {
    "duplicate_charge": Matcher(
        frozenset({"duplicate_charge"}),
        lambda label, f: f.transaction_id in label["transaction_ids"],
    ),
    "missing_charge": Matcher(
        frozenset({"missing_charge"}),
        lambda label, f: f.visit_number == label["visit_number"],
    ),
    "unmapped_service": Matcher(
        frozenset({"unmapped_service"}),
        lambda label, f: f.appointment_id == label["appointment_id"],
    ),
    "invalid_icd10": Matcher(
        frozenset({"invalid_code"}),
        lambda label, f: f.visit_number == label["visit_number"] and _code(f) == label["code"],
        _system("ICD-10-CM"),
    ),
    "invalid_hcpcs": Matcher(
        frozenset({"invalid_code"}),
        lambda label, f: f.visit_number == label["visit_number"] and _code(f) == label["code"],
        _system("HCPCS", "CPT"),
    ),
    "late_charge": Matcher(
        frozenset({"timely_filing_risk"}),
        lambda label, f: f.visit_number == label["visit_number"],
    ),
    "underpayment": Matcher(
        frozenset({"underpayment"}),
        lambda label, f: f.pcn == label["pcn"],
    ),
    "unmapped_payer": Matcher(
        frozenset({"unmapped_master_data"}),
        lambda label, f: f.pcn == label["pcn"] or f.visit_number == label.get("visit_number"),
        lambda f: f.details.get("kind") in (None, "payer"),
    ),
    "unmapped_department": Matcher(
        frozenset({"unmapped_master_data"}),
        lambda label, f: f.visit_number == label["visit_number"],
        lambda f: f.details.get("kind") in (None, "department"),
    ),
    "missing_documentation": Matcher(  # a denial with RARC M127 (records requested), as the simulator sends
        frozenset({"denial"}),
        lambda label, f: f.pcn == label["pcn"],
        lambda f: "M127" in str(f.details),
    ),
}


def score(
    labels: Iterable[Label],
    findings: Iterable[Resolved],
    *,
    pending: Callable[[Label], bool] = lambda _: False,
) -> dict[str, Score]:
    """Per anomaly type (every type in the labels and every matcher), recall and precision."""
    found_list = list(findings)
    by_type: dict[str, list[Label]] = {}
    for label in labels:
        if label.get("kind") == "anomaly":
            by_type.setdefault(label["anomaly"], []).append(label)
    scores: dict[str, Score] = {}
    for anomaly in sorted(set(by_type) | set(MATCHERS)):
        result = Score(anomaly)
        typed = by_type.get(anomaly, [])
        matcher = MATCHERS.get(anomaly)
        result.labels = len(typed)
        if matcher is None:
            scores[anomaly] = result
            continue
        candidates = [f for f in found_list if f.type in matcher.finding_types and matcher.considers(f)]
        for label in typed:
            if pending(label):
                result.pending += 1
            elif any(matcher.matches(label, f) for f in candidates):
                result.found += 1
        result.findings = len(candidates)
        result.correct = sum(1 for f in candidates if any(matcher.matches(label, f) for label in typed))
        scores[anomaly] = result
    return scores


def unlabelled(findings: Iterable[Resolved]) -> dict[str, int]:
    """Counts of findings whose type no anomaly label scores (reported, not scored)."""
    scored = {t for m in MATCHERS.values() for t in m.finding_types}
    counts: dict[str, int] = {}
    for f in findings:
        if f.type not in scored:
            counts[f.type] = counts.get(f.type, 0) + 1
    return dict(sorted(counts.items()))
