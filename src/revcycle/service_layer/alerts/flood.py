"""Flood control for finding rules: at most ``max_alerts`` alerts of one rule in any ``window_minutes``.

A storm of findings (a resend storm of duplicate charges, a payer denying a whole batch) would
otherwise open one alert, and send one notification per channel, for every finding. Past the limit the
findings of the rule are counted in one flood alert per rule (key ``<rule>:flood``) instead, the way
alerting products group a storm into a digest: it is opened and notified once, then updated in place
(count per finding type, first and last finding id, so the work queue can be read from there) while
findings keep coming, and resolved, with a notice carrying the final count, once none came for a whole
window. The findings themselves are all in the work queue. ``max_alerts = 0`` turns the limit off.
Texts name rules, finding types, counts and ids, never patient data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from revcycle.domain.findings import Severity
from revcycle.service_layer.alerts import rules as r
from revcycle.service_layer.alerts.conditions import Condition

FLOOD = "flood"  # finding keys always hold a colon ("type:subject..."), so no finding alert has this key
SHOWN_TYPES = 5


@dataclass(frozen=True, slots=True)
class FloodState:
    """The live flood alert of a rule, as stored."""

    alert_id: int
    severity: int
    details: Mapping[str, Any] = field(default_factory=dict)


def flood_key(rule: str) -> str:
    return f"{rule}:{FLOOD}"


def window(rule: r.FindingRule) -> timedelta:
    return timedelta(minutes=rule.window_minutes)


def split(
    rule: r.FindingRule, conditions: Sequence[Condition], opened_recently: int
) -> tuple[list[Condition], list[Condition]]:
    """The conditions that get an alert each and those counted in the flood alert, in finding order,
    given how many alerts the rule opened in the last window."""
    if not rule.max_alerts:
        return list(conditions), []
    budget = max(0, rule.max_alerts - opened_recently)
    return list(conditions[:budget]), list(conditions[budget:])


def flood_condition(
    rule: r.FindingRule, folded: Sequence[Condition], previous: FloodState | None, now: datetime
) -> Condition:
    """The flood alert after ``folded`` (finding conditions past the limit) join what it counted."""
    before = previous.details if previous is not None else {}
    by_type: Counter[str] = Counter({str(k): int(v) for k, v in dict(before.get("by_type") or {}).items()})
    by_type.update(str(c.details.get("finding_type", "finding")) for c in folded)
    ids = [int(c.details["finding_id"]) for c in folded if "finding_id" in c.details]
    first = min(
        [*ids, *([int(before["first_finding_id"])] if "first_finding_id" in before else [])], default=None
    )
    last = max(
        [*ids, *([int(before["last_finding_id"])] if "last_finding_id" in before else [])], default=None
    )
    count = int(before.get("findings", 0)) + len(folded)
    since = str(before.get("since") or now.isoformat())
    level = max([int(c.severity) for c in folded] + ([previous.severity] if previous is not None else []))
    known = {int(s) for s in Severity}
    shown = ", ".join(f"{name} {n}" for name, n in by_type.most_common(SHOWN_TYPES))
    more = ", ..." if len(by_type) > SHOWN_TYPES else ""
    summary = (
        f"{count} more findings for rule {rule.name} past its limit of {rule.max_alerts} alerts in "
        f"{rule.window_minutes:g} min, since {datetime.fromisoformat(since):%Y-%m-%d %H:%M} UTC "
        f"({shown}{more}); all are in the work queue"
    )
    details: dict[str, Any] = {
        "findings": count,
        "by_type": dict(by_type),
        "first_finding_id": first,
        "last_finding_id": last,
        "since": since,
        "last_seen": now.isoformat(),
        "max_alerts": rule.max_alerts,
        "window_minutes": rule.window_minutes,
    }
    return Condition(
        flood_key(rule.name),
        summary,
        Severity(level) if level in known else rule.level,
        {k: v for k, v in details.items() if v is not None},
    )


def quiet(rule: r.FindingRule, state: FloodState, now: datetime) -> bool:
    """True once no finding joined the flood for a whole window (it then resolves)."""
    last = state.details.get("last_seen")
    if not isinstance(last, str):
        return True
    return now - datetime.fromisoformat(last) >= window(rule)
