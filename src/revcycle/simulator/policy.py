"""The payers' adjudication rules: denial causes a model can learn, payer-specific rules that drift over
time, and background noise.

Each claim gets a set of *present* causes (facts about the claim: a missing authorization, a diagnosis
that does not support a procedure, a coverage that ended before the service...). A present cause denies
with its own probability; the payer's background rate denies independently. The claim's true denial
probability is therefore ``1 - (1 - base) * prod(1 - p_cause)``, and it is what the label file carries.

Causes and their CARC (X12 code source 139) / RARC: terminated coverage CO-27 (N30), late filing CO-29,
missing prior authorization CO-197 (N54), diagnosis inconsistent with procedure CO-11, missing
documentation CO-16 (M127), bundling CO-97 (M15), frequency limit CO-119, duplicate service CO-18.
Denial-cause shares follow the published breakdowns (registration / eligibility, authorization, missing
information and medical necessity are the largest categories in the Change Healthcare Denials Index and
Experian Health surveys).

Drift (the rules change during the run; day = fraction of the run):

* Granite Shield (SYNGRN) starts denying an E/M billed with a minor procedure without modifier 25 (35%);
* Cascade Mutual (SYNCSC) starts requiring authorization for CT head and echocardiograms (45%); the
  front desk catches up about 20 days later;
* State Medicaid (SYNMCD) starts asking for records for level-4 office visits too (60%).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from random import Random
from types import MappingProxyType

from revcycle.simulator.model import Claim


@dataclass(frozen=True, slots=True)
class Cause:
    name: str
    probability: float  # P(denied | present)
    carc: str
    overturn: float  # P(a rework gets it paid)
    claim_level: bool
    remark: str | None = None


CAUSES: Mapping[str, Cause] = MappingProxyType(
    {
        c.name: c
        for c in (
            Cause("terminated_coverage", 0.97, "27", 0.05, True, "N30"),
            Cause("late_filing", 0.98, "29", 0.0, True),
            Cause("missing_auth", 0.85, "197", 0.35, False, "N54"),
            Cause("dx_mismatch", 0.70, "11", 0.85, False),
            Cause("missing_documentation", 0.55, "16", 0.9, False, "M127"),
            Cause("bundling", 0.80, "97", 0.75, False, "M15"),
            Cause("frequency", 0.90, "119", 0.2, False),
            Cause("duplicate_service", 0.95, "18", 0.0, False),
        )
    }
)
#: Background denials: (CARC, RARC, weight); reworked successfully with NOISE_OVERTURN.
NOISE: tuple[tuple[str, str | None, int], ...] = (
    ("16", "N290", 30),
    ("4", None, 14),
    ("50", None, 16),
    ("96", None, 10),
    ("22", None, 12),
    ("B7", None, 6),
    ("204", None, 12),
)
NOISE_OVERTURN = 0.88
AUTH_SERVICES = frozenset({"74177", "73721", "93306", "97110"})
DRIFT_AUTH_SERVICES = frozenset({"70450", "93306"})
PROCEDURES_NEEDING_25 = frozenset({"96372", "20610", "90471", "G0008", "96374"})
LAB_PANELS = frozenset({"80048", "80053", "83036", "80061", "84443", "85025"})


@dataclass(frozen=True, slots=True)
class Drift:
    """Days (from the run's start) at which the drifting rules take effect."""

    modifier25: int
    cascade_auth: int
    cascade_adapted: int
    medicaid_docs: int

    @classmethod
    def for_run(cls, days: int) -> Drift:
        return cls(int(days * 0.35), int(days * 0.45), int(days * 0.45) + 20, int(days * 0.60))


@dataclass(slots=True)
class Finding:
    """A present cause, on the whole claim (line None) or on one line (index into claim.lines)."""

    cause: Cause
    line: int | None
    rule: str | None = None


def auth_required(payer_id: str, payer_class: str, code: str, day: int, drift: Drift) -> bool:
    """Medicare fee-for-service needs no prior authorization for these services; the others do."""
    if payer_class in ("medicare", "self_pay"):
        return False
    return code in AUTH_SERVICES or (
        payer_id == "SYNCSC" and day >= drift.cascade_auth and code in DRIFT_AUTH_SERVICES
    )


def documentation_required(payer_id: str, code: str, day: int, drift: Drift) -> bool:
    if code in ("99215", "99285"):
        return True
    return payer_id == "SYNMCD" and code == "99214" and day >= drift.medicaid_docs


def payer_rules(claim: Claim, day: int, drift: Drift) -> list[Finding]:
    """The payer-specific rules (constant and drifting) that apply to this claim."""
    found: list[Finding] = []
    payer = claim.coverage.payer
    codes = [line.code for line in claim.lines]
    if (
        payer.payer_id == "SYNNWH"
        and claim.visit.visit_type.setting == "lab"
        and LAB_PANELS.intersection(codes)
    ):
        found.extend(
            Finding(CAUSES["bundling"], i, "nwh_venipuncture_bundled")
            for i, c in enumerate(codes)
            if c == "36415"
        )
    if payer.payer_id == "SYNGRN" and day >= drift.modifier25 and PROCEDURES_NEEDING_25.intersection(codes):
        for i, line in enumerate(claim.lines):
            if line.service.kind == "em" and "25" not in line.modifiers:
                found.append(Finding(CAUSES["bundling"], i, "grn_modifier_25"))
    if payer.payer_class in ("medicare", "medicaid") and "83036" in codes:
        patient = claim.visit.patient
        if claim.visit.day - patient.last_a1c_day < 90:
            found.append(Finding(CAUSES["frequency"], codes.index("83036"), "a1c_frequency"))
        patient.last_a1c_day = claim.visit.day
    return found


def probability(base: float, findings: list[Finding]) -> float:
    keep = 1.0 - base
    for finding in findings:
        keep *= 1.0 - finding.cause.probability
    return 1.0 - keep


def decide(
    rng: Random, base: float, findings: list[Finding]
) -> tuple[list[Finding], tuple[str, str | None] | None]:
    """Which present causes deny this time, and the background denial (CARC, RARC) if it fires."""
    fired = [f for f in findings if rng.random() < f.cause.probability]
    noise: tuple[str, str | None] | None = None
    if rng.random() < base:
        pick = rng.random() * sum(w for _, _, w in NOISE)
        for carc, remark, weight in NOISE:
            pick -= weight
            if pick < 0:
                noise = (carc, remark)
                break
    return fired, noise
