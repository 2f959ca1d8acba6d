"""The rule type and the one way rules build findings (same key scheme as the handlers' findings)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.domain.rules.reference import Reference

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Rule(Generic[S]):
    """``check(subject, reference)`` returns the findings for one subject of type ``subject``."""

    name: str
    subject: type[S]
    check: Callable[[S, Reference], Iterable[Finding]]


def finding(
    kind: FindingType,
    severity: Severity,
    subject_kind: str,
    subject_id: str | int,
    summary: str,
    *,
    key_suffix: str = "",
    details: dict[str, Any] | None = None,
) -> Finding:
    """A finding keyed ``type:subject_kind:subject_id[:suffix]`` (the same problem twice is one row).
    ``summary`` and ``details`` must be PHI-free: codes, internal ids, amounts."""
    key = f"{kind.value}:{subject_kind}:{subject_id}{':' + key_suffix if key_suffix else ''}"
    return Finding(
        type=kind,
        severity=severity,
        subject_kind=subject_kind,
        subject_id=str(subject_id),
        summary=summary,
        key=key,
        details=details or {},
    )
