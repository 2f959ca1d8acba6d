"""Alert rules files: valid ones load, invalid ones fail naming the rule and the field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from revcycle.service_layer.alerts import rules as r
from revcycle.service_layer.alerts.conditions import in_business_hours

VALID = """
[channels.ops]
type = "webhook"
url = "http://127.0.0.1:9/hook"
secret = "s3cret"

[channels.mail]
type = "email"
to = ["billing@example.org"]

[channels.chat]
type = "teams"
url = "http://127.0.0.1:9/teams"

[[rules]]
name = "denials"
kind = "finding"
types = ["denial", "claim_rejected"]
min_severity = "high"
payers = ["P1"]
channels = ["in_app", "ops"]
escalate_after_minutes = 30
escalate_to = ["mail"]

[[rules]]
name = "uncoded"
kind = "appointment_uncoded"

[[rules]]
name = "quiet-adt"
kind = "interface_silent"
interface = "mllp"
minutes = 15
hours = [8, 18]
days = ["mon", "tue", "wed", "thu", "fri"]
"""


def test_a_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(VALID)
    config = r.load_config(path)
    assert [rule.name for rule in config.rules] == ["denials", "uncoded", "quiet-adt"]
    uncoded = config.rule("uncoded")
    assert isinstance(uncoded, r.AppointmentUncodedRule) and uncoded.within_hours == 48
    assert set(config.channels) == {"ops", "mail", "chat"}
    ops = config.channels["ops"]
    assert isinstance(ops, r.WebhookChannel) and ops.signing_key() == b"s3cret"


def test_defaults_apply_without_a_file() -> None:
    config = r.load_config(None)
    assert {rule.kind for rule in config.rules} >= {"finding", "appointment_uncoded"}


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        ('[[rules]]\nname = "x"\nkind = "nope"', "rules[0] (x)", "does not match any of the expected tags"),
        (
            '[[rules]]\nname = "rate"\nkind = "denial_rate"\nthreshold_percent = 140',
            "rules[0] (rate).threshold_percent",
            "less than or equal to 100",
        ),
        (
            '[[rules]]\nname = "f"\nkind = "finding"\ntypes = ["bogus"]',
            "rules[0] (f).types.0",
            "Input should be",
        ),
        (
            '[[rules]]\nname = "f"\nkind = "finding"\nchannels = ["pager"]',
            "rules.f",
            "unknown channel 'pager'",
        ),
        (
            '[[rules]]\nname = "a"\nkind = "finding"\n[[rules]]\nname = "a"\nkind = "backlog"\nmax_depth = 1',
            "rules.a",
            "duplicate rule name",
        ),
        ('[[rules]]\nname = "b"\nkind = "backlog"', "rules.b", "give max_depth"),
        (
            '[[rules]]\nname = "s"\nkind = "interface_silent"\ninterface = "x"\nminutes = 5\nhours = [18, 8]',
            "rules[0] (s).hours",
            "start < end",
        ),
        ('[channels.w]\ntype = "webhook"\nurl = "ftp://x"', "channels.w.url", "should match pattern"),
        (
            '[[rules]]\nname = "f"\nkind = "finding"\nfrequency = 3',
            "rules[0] (f).frequency",
            "Extra inputs are not permitted",
        ),
        ("[[rules]\nname=", "alert rules", "not valid TOML"),
    ],
)
def test_invalid_files_name_the_rule_and_field(text: str, where: str, why: str) -> None:
    with pytest.raises(r.AlertConfigError) as caught:
        r.parse_text(text)
    assert any(w == where and why in message for w, message in caught.value.problems), caught.value.problems


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(r.AlertConfigError, match="cannot read"):
        r.load_config(tmp_path / "absent.toml")


def test_business_hours_follow_the_days_hours_and_offset() -> None:
    rule = r.parse_text(VALID).rule("quiet-adt")
    assert isinstance(rule, r.InterfaceSilentRule)
    monday_noon = datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert in_business_hours(rule, monday_noon)
    assert not in_business_hours(rule, monday_noon.replace(hour=19))
    assert not in_business_hours(rule, datetime(2026, 11, 22, 12, tzinfo=UTC))  # a Sunday
    shifted = rule.model_copy(update={"utc_offset_hours": -5.0})
    assert not in_business_hours(shifted, monday_noon.replace(hour=9))  # 04:00 local
