"""One master-data load (an upload, a scheduled pull, a FHIR resource) and its change report.

The report says, per load, which records were added, which changed (and which fields), how many were
unchanged, and which rows were rejected and why. Rejection reasons name fields and rules, never the
values of a patient's record; a patient row is named by its row number only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from revcycle.domain.patients import Coverage, Patient


class Outcome(enum.StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class VersionChange:
    """What storing one version did: added, changed (``fields`` that differ) or unchanged."""

    outcome: Outcome
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row that failed validation: its 1-based position in the load, its code if readable, why."""

    row: int
    errors: tuple[str, ...]
    code: str | None = None


@dataclass(frozen=True, slots=True)
class PatientRegistration:
    """A patient's registration and insurance from the ERP / registration system (kind "patient")."""

    patient: Patient
    coverages: tuple[Coverage, ...] = ()


def changed_fields(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> VersionChange:
    """Compare two stored forms of a record (JSON-like dicts) field by field."""
    if old is None:
        return VersionChange(Outcome.ADDED)
    names = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return VersionChange(Outcome.CHANGED, tuple(names)) if names else VersionChange(Outcome.UNCHANGED)


@dataclass(slots=True)
class LoadReport:
    """The change report of one load of one kind."""

    kind: str
    rows: int = 0
    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    def record(self, row: int, code: str | None, start: date | None, change: VersionChange) -> None:
        entry: dict[str, Any] = {"row": row, "code": code, "effective_start": start}
        if change.outcome is Outcome.ADDED:
            self.added.append(entry)
        elif change.outcome is Outcome.CHANGED:
            self.changed.append({**entry, "fields": list(change.fields)})
        else:
            self.unchanged += 1

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }

    def as_dict(self) -> dict[str, Any]:
        def day(value: date | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "kind": self.kind,
            **self.counts(),
            "added_records": [{**e, "effective_start": day(e["effective_start"])} for e in self.added],
            "changed_records": [{**e, "effective_start": day(e["effective_start"])} for e in self.changed],
            "rejected_rows": [
                {"row": r.row, "code": r.code, "errors": list(r.errors)} for r in self.rejected
            ],
        }
