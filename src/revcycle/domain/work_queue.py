"""The work queue: what a person can do with a finding (assign it, move it, comment on it).

Statuses (``FindingStatus``): open -> in progress -> resolved, or ignored; a resolved or ignored
finding can be reopened. Moving a finding to the status it already has changes nothing (so a bulk
"resolve" over a selection that holds resolved findings is harmless). Every action names its actor.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from revcycle.domain.errors import DomainError, IllegalTransition
from revcycle.domain.findings import FindingStatus

S = FindingStatus
MOVES: dict[FindingStatus, frozenset[FindingStatus]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.RESOLVED, S.IGNORED}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.RESOLVED, S.IGNORED}),
    S.RESOLVED: frozenset({S.OPEN}),
    S.IGNORED: frozenset({S.OPEN}),
}
MAX_COMMENT = 4000
MAX_NAME = 100


class InvalidAction(DomainError):
    """A work-queue action that cannot be done as asked (an empty comment, no actor)."""

    code = "invalid_action"


def status_of(value: str) -> FindingStatus:
    try:
        return FindingStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in FindingStatus)
        raise InvalidAction(f"unknown status {value[:40]!r}; expected one of {allowed}") from None


def move(current: FindingStatus, target: FindingStatus) -> bool:
    """True when the finding changes status; False when it already has it; raises if not allowed."""
    if current is target:
        return False
    if target not in MOVES[current]:
        raise IllegalTransition("finding", current.value, target.value)
    return True


def actor_name(actor: str | None) -> str:
    name = (actor or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidAction(f"an actor (1-{MAX_NAME} characters) is required")
    return name


def owner_name(owner: str | None) -> str | None:
    """The new owner, or None to unassign."""
    name = (owner or "").strip()
    if len(name) > MAX_NAME:
        raise InvalidAction(f"owner must be at most {MAX_NAME} characters")
    return name or None


def comment_text(text: str | None) -> str:
    body = (text or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise InvalidAction(f"a comment needs 1-{MAX_COMMENT} characters of text")
    return body


def age(created_at: datetime, now: datetime) -> timedelta:
    return max(now - created_at, timedelta(0))
