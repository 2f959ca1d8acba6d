"""Work-queue moves and inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from revcycle.domain import work_queue as wq
from revcycle.domain.errors import IllegalTransition
from revcycle.domain.findings import FindingStatus as S


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.OPEN, S.IN_PROGRESS),
        (S.OPEN, S.RESOLVED),
        (S.OPEN, S.IGNORED),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.IN_PROGRESS, S.OPEN),
        (S.RESOLVED, S.OPEN),
        (S.IGNORED, S.OPEN),
    ],
)
def test_allowed_moves_change_the_status(current: S, target: S) -> None:
    assert wq.move(current, target) is True


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.RESOLVED, S.IGNORED),
        (S.RESOLVED, S.IN_PROGRESS),
        (S.IGNORED, S.RESOLVED),
        (S.IGNORED, S.IN_PROGRESS),
    ],
)
def test_a_closed_finding_must_be_reopened_first(current: S, target: S) -> None:
    with pytest.raises(IllegalTransition, match=f"finding cannot move from {current.value}"):
        wq.move(current, target)


def test_moving_to_the_same_status_changes_nothing() -> None:
    assert all(wq.move(s, s) is False for s in S)


def test_inputs_are_checked() -> None:
    with pytest.raises(wq.InvalidAction, match="unknown status"):
        wq.status_of("done")
    assert wq.status_of("in_progress") is S.IN_PROGRESS
    with pytest.raises(wq.InvalidAction):
        wq.actor_name("  ")
    with pytest.raises(wq.InvalidAction):
        wq.comment_text("")
    with pytest.raises(wq.InvalidAction):
        wq.comment_text("x" * 4001)
    assert wq.owner_name("  ") is None and wq.owner_name(" ines ") == "ines"


def test_age_is_never_negative() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert wq.age(now - timedelta(hours=5), now) == timedelta(hours=5)
    assert wq.age(now + timedelta(seconds=3), now) == timedelta(0)
