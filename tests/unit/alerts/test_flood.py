"""Flood control of finding rules: the split at the limit, the flood alert's count and text, and when it
is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from revcycle.domain.findings import Severity
from revcycle.service_layer.alerts import rules as r
from revcycle.service_layer.alerts.conditions import Condition
from revcycle.service_layer.alerts.flood import FloodState, flood_condition, flood_key, quiet, split

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _rule(**extra: object) -> r.FindingRule:
    config = r.parse_config({"rules": [{"name": "dups", "kind": "finding", **extra}]})
    rule = config.rules[0]
    assert isinstance(rule, r.FindingRule)
    return rule


def _cond(n: int, type_: str = "duplicate_charge", severity: Severity = Severity.HIGH) -> Condition:
    return Condition(
        f"dups:{type_}:charge:{n}", f"charge {n}", severity, {"finding_id": n, "finding_type": type_}
    )


def test_the_default_limit_is_fifty_alerts_in_ten_minutes_and_zero_turns_it_off() -> None:
    rule = _rule()
    assert (rule.max_alerts, rule.window_minutes) == (50, 10.0)
    conditions = [_cond(n) for n in range(60)]
    assert split(_rule(max_alerts=0), conditions, 10_000) == (conditions, [])
    with pytest.raises(r.AlertConfigError, match="max_alerts"):
        _rule(max_alerts=-1)


def test_split_spends_what_is_left_of_the_window_in_finding_order() -> None:
    rule = _rule(max_alerts=5)
    conditions = [_cond(n) for n in range(8)]
    assert split(rule, conditions, 0) == (conditions[:5], conditions[5:])
    assert split(rule, conditions, 3) == (conditions[:2], conditions[2:])
    assert split(rule, conditions, 9) == ([], conditions)  # more than the limit already: all folded


def test_the_flood_alert_counts_by_type_and_keeps_counting() -> None:
    rule = _rule(max_alerts=5, window_minutes=15)
    first = flood_condition(rule, [_cond(10), _cond(11), _cond(12, "denial")], None, NOW)
    assert first.key == flood_key("dups") == "dups:flood"
    assert first.details["findings"] == 3
    assert first.details["by_type"] == {"duplicate_charge": 2, "denial": 1}
    assert (first.details["first_finding_id"], first.details["last_finding_id"]) == (10, 12)
    assert first.summary == (
        "3 more findings for rule dups past its limit of 5 alerts in 15 min, since 2026-11-23 12:00 UTC "
        "(duplicate_charge 2, denial 1); all are in the work queue"
    )
    state = FloodState(7, int(first.severity), first.details)
    later = NOW + timedelta(minutes=3)
    second = flood_condition(rule, [_cond(40, severity=Severity.CRITICAL)], state, later)
    assert second.details["findings"] == 4
    assert second.details["by_type"] == {"duplicate_charge": 3, "denial": 1}
    assert (second.details["first_finding_id"], second.details["last_finding_id"]) == (10, 40)
    assert second.details["since"] == NOW.isoformat() and second.details["last_seen"] == later.isoformat()
    assert second.severity is Severity.CRITICAL  # the worst finding it holds


def test_the_summary_names_the_five_commonest_types() -> None:
    rule = _rule(max_alerts=1)
    types = ["a", "b", "b", "c", "d", "e", "f", "f", "f"]
    found = flood_condition(rule, [_cond(n, t) for n, t in enumerate(types)], None, NOW)
    assert "(f 3, b 2, a 1, c 1, d 1, ...)" in found.summary


def test_a_flood_is_over_after_a_quiet_window() -> None:
    rule = _rule(max_alerts=1, window_minutes=10)
    state = FloodState(1, 40, flood_condition(rule, [_cond(1)], None, NOW).details)
    assert not quiet(rule, state, NOW + timedelta(minutes=9))
    assert quiet(rule, state, NOW + timedelta(minutes=10))
    assert quiet(rule, FloodState(1, 40, {}), NOW)  # no record of the last finding: over
