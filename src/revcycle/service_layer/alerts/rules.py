"""Alert rules and channels as configuration: a TOML file, validated with clear errors, reloadable.

```toml
[channels.ops]                      # a named channel; "in_app" always exists
type = "webhook"                    # webhook | email | slack | teams
url = "https://hooks.example.org/revcycle"
secret_env = "REVCYCLE_ALERT_SECRET"

[[rules]]
name = "uncoded-appointments"
kind = "appointment_uncoded"        # see RULE_KINDS
within_hours = 48
channels = ["in_app", "ops"]
renotify_minutes = 240
escalate_after_minutes = 60
escalate_to = ["ops"]

[[rules]]
name = "denials"
kind = "finding"
types = ["denial"]
max_alerts = 50                     # at most 50 alerts in any 10 minutes; the rest are counted in one
window_minutes = 10                 # flood alert of the rule (0: no limit)
```
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from revcycle.domain.findings import FindingType, Severity

IN_APP = "in_app"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class AlertConfigError(Exception):
    """An invalid alert configuration; ``problems`` lists (where, why) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {why}" for where, why in problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- channels ---------------------------------------------------------------------------------------


class WebhookChannel(_Strict):
    type: Literal["webhook"]
    url: str = Field(pattern=r"^https?://")
    secret: str | None = Field(default=None, description="HMAC-SHA256 key (prefer secret_env)")
    secret_env: str | None = Field(default=None, description="environment variable holding the key")
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    max_attempts: int = Field(default=5, ge=1, le=20)
    backoff_seconds: float = Field(default=1.0, gt=0, le=3600)

    def signing_key(self) -> bytes | None:
        value = os.environ.get(self.secret_env, "") if self.secret_env else (self.secret or "")
        return value.encode() if value else None


class ChatChannel(_Strict):
    """Slack- or Teams-compatible incoming webhooks (their JSON payload shapes differ)."""

    type: Literal["slack", "teams"]
    url: str = Field(pattern=r"^https?://")
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    max_attempts: int = Field(default=5, ge=1, le=20)
    backoff_seconds: float = Field(default=1.0, gt=0, le=3600)


class EmailChannel(_Strict):
    type: Literal["email"]
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    sender: str = Field(default="revcycle@localhost", pattern=r"^[^@\s]+@[^@\s]+$")
    to: tuple[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")], ...] = Field(min_length=1)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=5, ge=1, le=20)
    backoff_seconds: float = Field(default=5.0, gt=0, le=3600)


ChannelConfig = Annotated[WebhookChannel | ChatChannel | EmailChannel, Field(discriminator="type")]


# --- rules ------------------------------------------------------------------------------------------


class _Rule(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,80}$")
    severity: Literal["info", "low", "medium", "high", "critical"] = "medium"
    channels: tuple[str, ...] = (IN_APP,)
    renotify_minutes: float | None = Field(default=None, gt=0, description="remind while unacknowledged")
    escalate_after_minutes: float | None = Field(default=None, gt=0)
    escalate_to: tuple[str, ...] = ()
    check_every_seconds: float = Field(default=30.0, ge=0.1, le=86_400)
    enabled: bool = True

    @property
    def level(self) -> Severity:
        return Severity[self.severity.upper()]


class FindingRule(_Rule):
    """An alert per open finding of the given types, at least ``min_severity``, for these payers or
    facilities (empty = any); it resolves when the finding is resolved or ignored. At most
    ``max_alerts`` alerts in any ``window_minutes``: the findings past that are counted in one flood
    alert of the rule (``service_layer/alerts/flood.py``); 0 means no limit."""

    kind: Literal["finding"]
    types: tuple[FindingType, ...] = ()
    min_severity: Literal["info", "low", "medium", "high", "critical"] = "info"
    payers: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()
    check_every_seconds: float = Field(default=0.2, ge=0.05, le=86_400)
    max_alerts: int = Field(default=50, ge=0, le=1_000_000, description="alerts per window; 0: no limit")
    window_minutes: float = Field(default=10.0, gt=0, le=7 * 24 * 60)

    @property
    def min_level(self) -> Severity:
        return Severity[self.min_severity.upper()]


class AppointmentUncodedRule(_Rule):
    """An appointment starting within ``within_hours`` whose expected service is not in the chargemaster
    (the procedure codes of the loaded contracts' fee schedules)."""

    kind: Literal["appointment_uncoded"]
    within_hours: float = Field(default=48.0, gt=0, le=24 * 90)


class DischargedNoChargesRule(_Rule):
    kind: Literal["discharged_no_charges"]
    after_hours: float = Field(default=24.0, gt=0)


class ClaimUnbilledRule(_Rule):
    """Charges older than ``after_days`` (service date) for a visit no claim covers yet."""

    kind: Literal["claim_unbilled"]
    after_days: float = Field(default=5.0, gt=0)


class DenialRateRule(_Rule):
    kind: Literal["denial_rate"]
    threshold_percent: float = Field(gt=0, le=100)
    window_hours: float = Field(default=24.0, gt=0)
    min_claims: int = Field(default=10, ge=1, description="no rate from fewer adjudications")
    payers: tuple[str, ...] = ()


class BacklogRule(_Rule):
    kind: Literal["backlog"]
    max_depth: int | None = Field(default=None, ge=0)
    max_age_seconds: float | None = Field(default=None, gt=0)
    max_dead_letters: int | None = Field(default=None, ge=0)


class PostingLagRule(_Rule):
    """The oldest outbox row (journals and payments for the ERP) not yet delivered, older than this."""

    kind: Literal["posting_lag"]
    max_minutes: float = Field(gt=0)
    topics: tuple[str, ...] = ()


class InterfaceSilentRule(_Rule):
    """No message from ``interface`` for ``minutes`` inside its business hours."""

    kind: Literal["interface_silent"]
    interface: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    minutes: float = Field(gt=0)
    hours: tuple[int, int] = (0, 24)
    days: tuple[str, ...] = WEEKDAYS
    utc_offset_hours: float = Field(default=0.0, ge=-14, le=14)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: tuple[int, int]) -> tuple[int, int]:
        start, end = value
        if not 0 <= start < end <= 24:
            raise ValueError("hours must be [start, end] with 0 <= start < end <= 24")
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [d for d in value if d not in WEEKDAYS]
        if unknown or not value:
            raise ValueError(f"days must be among {', '.join(WEEKDAYS)}")
        return value


Rule = Annotated[
    FindingRule
    | AppointmentUncodedRule
    | DischargedNoChargesRule
    | ClaimUnbilledRule
    | DenialRateRule
    | BacklogRule
    | PostingLagRule
    | InterfaceSilentRule,
    Field(discriminator="kind"),
]
RULE_KINDS = (
    "finding",
    "appointment_uncoded",
    "discharged_no_charges",
    "claim_unbilled",
    "denial_rate",
    "backlog",
    "posting_lag",
    "interface_silent",
)


class AlertConfig(_Strict):
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    escalation_check_seconds: float = Field(default=15.0, gt=0)

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)


DEFAULT_CONFIG_TEXT = """
[[rules]]
name = "high-severity-findings"
kind = "finding"
min_severity = "high"
severity = "high"

[[rules]]
name = "uncoded-appointments"
kind = "appointment_uncoded"
within_hours = 48
severity = "high"

[[rules]]
name = "backlog"
kind = "backlog"
max_age_seconds = 300
max_dead_letters = 100
"""

_ADAPTER: TypeAdapter[AlertConfig] = TypeAdapter(AlertConfig)


def parse_config(data: Mapping[str, Any]) -> AlertConfig:
    """Validate a decoded configuration; every problem is reported, naming the rule or channel."""
    try:
        config = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise AlertConfigError([(_where(data, e["loc"]), e["msg"]) for e in exc.errors()]) from None
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    known = {IN_APP, *config.channels}
    if IN_APP in config.channels:
        problems.append((f"channels.{IN_APP}", "is built in; choose another name"))
    for rule in config.rules:
        if rule.name in seen:
            problems.append((f"rules.{rule.name}", "duplicate rule name"))
        seen.add(rule.name)
        for channel in (*rule.channels, *rule.escalate_to):
            if channel not in known:
                problems.append(
                    (f"rules.{rule.name}", f"unknown channel {channel!r} (known: {sorted(known)})")
                )
        if rule.escalate_to and rule.escalate_after_minutes is None:
            problems.append((f"rules.{rule.name}", "escalate_to needs escalate_after_minutes"))
        if isinstance(rule, BacklogRule) and (
            rule.max_depth is None and rule.max_age_seconds is None and rule.max_dead_letters is None
        ):
            problems.append((f"rules.{rule.name}", "give max_depth, max_age_seconds or max_dead_letters"))
    if problems:
        raise AlertConfigError(problems)
    return config


def parse_text(text: str, *, source: str = "alert rules") -> AlertConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AlertConfigError([(source, f"not valid TOML: {error}")]) from None
    return parse_config(data)


def load_config(path: Path | None) -> AlertConfig:
    """The configuration in ``path``, or the defaults when no file is given."""
    if path is None:
        return parse_text(DEFAULT_CONFIG_TEXT, source="default alert rules")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise AlertConfigError([(str(path), f"cannot read: {error.strerror or error}")]) from None
    return parse_text(text, source=str(path))


def _where(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> str:
    """A location such as ``rules[2] (denials).threshold_percent`` from a pydantic error location."""
    parts: list[str] = []
    index = 0
    while index < len(loc):
        part = loc[index]
        if part == "rules" and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            position = int(loc[index + 1])
            rules = data.get("rules")
            name = None
            if isinstance(rules, list) and position < len(rules) and isinstance(rules[position], dict):
                name = rules[position].get("name")
            parts.append(f"rules[{position}]" + (f" ({name})" if name else ""))
            index += 2
            if index < len(loc) and isinstance(loc[index], str) and loc[index] in RULE_KINDS:
                index += 1  # the discriminator's tag
            continue
        if isinstance(part, str) and part in ("webhook", "slack", "teams", "email", "slack,teams"):
            index += 1
            continue
        parts.append(str(part))
        index += 1
    return ".".join(parts) or "alert rules"
