"""Findings (the work queue) and alerts.

A finding is a business problem found by a rule; it never rejects a message. ``summary`` is PHI-free
text (it names codes, ids and amounts, not patients). ``key`` de-duplicates: the same problem found
twice is one finding.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class FindingType(enum.StrEnum):
    DUPLICATE_CHARGE = "duplicate_charge"
    DUPLICATE_CLAIM = "duplicate_claim"
    DUPLICATE_REMITTANCE = "duplicate_remittance"
    MISSING_CHARGE = "missing_charge"
    MISSING_CHARGE_CODE = "missing_charge_code"
    UNMAPPED_SERVICE = "unmapped_service"
    INVALID_CODE = "invalid_code"
    CODING_INCONSISTENCY = "coding_inconsistency"
    UNMAPPED_MASTER_DATA = "unmapped_master_data"
    CHARGE_VARIANCE = "charge_variance"
    CLAIM_UNBALANCED = "claim_unbalanced"
    REMITTANCE_UNBALANCED = "remittance_unbalanced"
    UNDERPAYMENT = "underpayment"
    TIMELY_FILING_RISK = "timely_filing_risk"
    DENIAL = "denial"
    CLAIM_REJECTED = "claim_rejected"
    CONTROL_ID_COLLISION = "control_id_collision"
    UNMATCHED_REMITTANCE = "unmatched_remittance"
    ILLEGAL_TRANSITION = "illegal_transition"
    GL_UNMAPPED = "gl_unmapped"  # a transaction quarantined for a gap in the GL mapping (ERP posting)
    RECONCILIATION_BREAK = "reconciliation_break"  # a control-report variance past its threshold
    CLAIM_NOT_READY = "claim_not_ready"  # a claim built from charges fails the scrub
    COB_MISMATCH = "cob_mismatch"  # a secondary claim's prior-payer paid amount disagrees with posting


class Severity(enum.IntEnum):
    INFO = 10
    LOW = 20
    MEDIUM = 30
    HIGH = 40
    CRITICAL = 50


class FindingStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class Finding:
    type: FindingType
    severity: Severity
    subject_kind: str  # "charge", "claim", "remittance", "encounter", "appointment", "message"
    subject_id: str
    summary: str
    key: str
    details: dict[str, Any] = field(default_factory=dict)
    status: FindingStatus = FindingStatus.OPEN
    correlation_id: str | None = None


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(slots=True)
class Alert:
    """A notification about an open condition; one alert per condition (``key``) until it resolves."""

    rule: str
    key: str
    severity: Severity
    summary: str
    opened_at: datetime
    status: AlertStatus = AlertStatus.OPEN
    acknowledged_by: str | None = None
    assigned_to: str | None = None
    resolved_at: datetime | None = None
