"""PHI check for rule findings: the builders' patient key (an MRN) and NPIs never reach a finding."""

from __future__ import annotations

import json
from collections.abc import Iterable

from revcycle.domain.findings import Finding

SENSITIVE = ("M900001", "MPI|", "1234567890", "1234567893", "1980-05-01", "1980")


def assert_no_phi(findings: Iterable[Finding], sensitive: Iterable[str] = SENSITIVE) -> None:
    for finding in findings:
        text = " ".join(
            (finding.summary, finding.key, finding.subject_id, json.dumps(finding.details, default=str))
        )
        leaked = [value for value in sensitive if value in text]
        assert not leaked, f"{finding.key}: {leaked}"
