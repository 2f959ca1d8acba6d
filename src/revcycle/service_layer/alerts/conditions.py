"""Conditions: what each rule kind finds open right now. A condition's ``key`` names it stably, so the
same open problem is one alert however often it is seen. Texts name ids, codes, counts and amounts,
never patient data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from revcycle.domain.findings import Severity
from revcycle.service_layer.alerts import rules as r

DENIED_STATUS = "4"  # X12 835 CLP02 = 4: denied


@dataclass(frozen=True, slots=True)
class Condition:
    key: str
    summary: str
    severity: Severity
    details: dict[str, Any] = field(default_factory=dict)
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class FindingRow:
    id: int
    key: str
    type: str
    severity: int
    status: str
    subject_kind: str
    subject_id: str
    summary: str
    correlation_id: str | None
    payer_id: str | None = None
    facility_code: str | None = None


@dataclass(frozen=True, slots=True)
class UncodedAppointment:
    appointment_id: str
    start_at: datetime
    facility_code: str | None
    codes: tuple[str, ...]  # expected services missing from the chargemaster (empty: none given)
    correlation_id: str | None


@dataclass(frozen=True, slots=True)
class DischargedVisit:
    encounter_id: int
    facility_code: str | None
    discharged_at: datetime
    correlation_id: str | None


@dataclass(frozen=True, slots=True)
class UnbilledClaim:
    claim_id: int
    status: str
    payer_id: str | None
    total_charge: str
    created_at: datetime
    correlation_id: str | None


@dataclass(frozen=True, slots=True)
class PayerDenials:
    payer_id: str
    adjudicated: int
    denied: int


@dataclass(frozen=True, slots=True)
class BacklogState:
    depth: int
    oldest_age_seconds: float
    dead_letters: int


class AlertReads(Protocol):
    """What the conditions read from the store (``adapters/store/alert_reads.py``)."""

    def pending_findings(self, limit: int) -> list[FindingRow]: ...
    def finding_statuses(self, keys: Sequence[str]) -> dict[str, str]: ...
    def uncoded_appointments(self, now: datetime, until: datetime) -> list[UncodedAppointment]: ...
    def discharged_without_charges(self, before: datetime) -> list[DischargedVisit]: ...
    def unbilled_claims(self, before: datetime) -> list[UnbilledClaim]: ...
    def denials_by_payer(self, since: datetime) -> list[PayerDenials]: ...
    def backlog(self) -> BacklogState: ...
    def oldest_undelivered(self, topics: Sequence[str]) -> datetime | None: ...
    def last_received(self, interface: str) -> datetime | None: ...


def finding_matches(rule: r.FindingRule, row: FindingRow) -> bool:
    if row.status not in ("open", "in_progress") or row.severity < rule.min_level:
        return False
    if rule.types and row.type not in rule.types:
        return False
    if rule.payers and row.payer_id not in rule.payers:
        return False
    return not (rule.facilities and row.facility_code not in rule.facilities)


def finding_condition(rule: r.FindingRule, row: FindingRow) -> Condition:
    details = {
        "finding_id": row.id,
        "finding_type": row.type,
        "subject_kind": row.subject_kind,
        "subject_id": row.subject_id,
        "payer_id": row.payer_id,
        "facility_code": row.facility_code,
    }
    known = {int(s) for s in Severity}
    level = max(rule.level, Severity(row.severity)) if row.severity in known else rule.level
    return Condition(
        f"{rule.name}:{row.key}",
        row.summary,
        level,
        {k: v for k, v in details.items() if v is not None},
        row.correlation_id,
    )


def evaluate(rule: r.Rule, reads: AlertReads, now: datetime) -> list[Condition]:
    """The open conditions of a scheduled, threshold or absence rule (finding rules are incremental)."""
    if isinstance(rule, r.AppointmentUncodedRule):
        return list(_uncoded(rule, reads.uncoded_appointments(now, now + timedelta(hours=rule.within_hours))))
    if isinstance(rule, r.DischargedNoChargesRule):
        before = now - timedelta(hours=rule.after_hours)
        return [
            Condition(
                f"{rule.name}:encounter:{v.encounter_id}",
                f"encounter {v.encounter_id} at {v.facility_code or 'unknown facility'} discharged "
                f"{v.discharged_at:%Y-%m-%d %H:%M} UTC has no charges after {rule.after_hours:g} h",
                rule.level,
                {"encounter_id": v.encounter_id, "facility_code": v.facility_code},
                v.correlation_id,
            )
            for v in reads.discharged_without_charges(before)
        ]
    if isinstance(rule, r.ClaimUnbilledRule):
        return [
            Condition(
                f"{rule.name}:claim:{c.claim_id}",
                f"claim {c.claim_id} ({c.total_charge}, payer {c.payer_id or 'unknown'}) still {c.status} "
                f"after {rule.after_days:g} days",
                rule.level,
                {"claim_id": c.claim_id, "payer_id": c.payer_id, "status": c.status},
                c.correlation_id,
            )
            for c in reads.unbilled_claims(now - timedelta(days=rule.after_days))
        ]
    if isinstance(rule, r.DenialRateRule):
        return list(_denials(rule, reads.denials_by_payer(now - timedelta(hours=rule.window_hours))))
    if isinstance(rule, r.BacklogRule):
        return list(_backlog(rule, reads.backlog()))
    if isinstance(rule, r.PostingLagRule):
        oldest = reads.oldest_undelivered(rule.topics)
        if oldest is None or now - oldest <= timedelta(minutes=rule.max_minutes):
            return []
        lag = (now - oldest).total_seconds() / 60
        return [
            Condition(
                f"{rule.name}:posting_lag",
                f"ERP posting lag {lag:.0f} min exceeds {rule.max_minutes:g} min",
                rule.level,
                {"lag_minutes": round(lag, 1)},
            )
        ]
    if isinstance(rule, r.InterfaceSilentRule):
        return list(_silent(rule, reads.last_received(rule.interface), now))
    return []


def _uncoded(rule: r.AppointmentUncodedRule, found: Iterable[UncodedAppointment]) -> Iterable[Condition]:
    for a in found:
        what = f"services {', '.join(a.codes)} not in the chargemaster" if a.codes else "no expected service"
        yield Condition(
            f"{rule.name}:appointment:{a.appointment_id}",
            f"appointment {a.appointment_id} at {a.facility_code or 'unknown facility'} on "
            f"{a.start_at:%Y-%m-%d %H:%M} UTC: {what}",
            rule.level,
            {"appointment_id": a.appointment_id, "facility_code": a.facility_code, "codes": list(a.codes)},
            a.correlation_id,
        )


def _denials(rule: r.DenialRateRule, rows: Iterable[PayerDenials]) -> Iterable[Condition]:
    for row in rows:
        if rule.payers and row.payer_id not in rule.payers:
            continue
        if row.adjudicated < rule.min_claims:
            continue
        rate = 100.0 * row.denied / row.adjudicated
        if rate > rule.threshold_percent:
            yield Condition(
                f"{rule.name}:payer:{row.payer_id}",
                f"payer {row.payer_id} denied {rate:.1f}% of {row.adjudicated} claims in the last "
                f"{rule.window_hours:g} h (threshold {rule.threshold_percent:g}%)",
                rule.level,
                {"payer_id": row.payer_id, "rate_percent": round(rate, 2), "adjudicated": row.adjudicated},
            )


def _backlog(rule: r.BacklogRule, state: BacklogState) -> Iterable[Condition]:
    checks = (
        ("depth", rule.max_depth, state.depth, "messages waiting"),
        ("age", rule.max_age_seconds, state.oldest_age_seconds, "seconds since the oldest waiting message"),
        ("dead_letters", rule.max_dead_letters, state.dead_letters, "open dead letters"),
    )
    for name, limit, value, what in checks:
        if limit is not None and value > limit:
            yield Condition(
                f"{rule.name}:{name}",
                f"backlog: {value:.0f} {what} (limit {limit:g})",
                rule.level,
                {"measure": name, "value": round(float(value), 1), "limit": limit},
            )


def in_business_hours(rule: r.InterfaceSilentRule, at: datetime) -> bool:
    local = at + timedelta(hours=rule.utc_offset_hours)
    start, end = rule.hours
    return r.WEEKDAYS[local.weekday()] in rule.days and start <= local.hour < end


def _silent(rule: r.InterfaceSilentRule, last: datetime | None, now: datetime) -> Iterable[Condition]:
    if not in_business_hours(rule, now):
        return
    limit = timedelta(minutes=rule.minutes)
    if last is not None and now - last <= limit:
        return
    since = f"since {last:%Y-%m-%d %H:%M} UTC" if last else "ever"
    yield Condition(
        f"{rule.name}:interface:{rule.interface}",
        f"no message from interface {rule.interface} {since} (limit {rule.minutes:g} min in business hours)",
        rule.level,
        {"interface": rule.interface, "last_received": last.isoformat() if last else None},
    )
