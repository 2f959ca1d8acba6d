"""The findings work queue: filtered, paged reads and the actions people take (assign, move, comment).

Every action writes a ``finding_events`` row (who, when, what, from, to, the comment's text) in the
same transaction as the change; a finding's page shows them as its history and comments. Filters on
payer and facility read the finding's ``details`` (rules put ``payer_id`` / ``facility_code`` there
when they know them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, insert, select, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.message_queries import MAX_PAGE, as_dict
from revcycle.adapters.store.schema import finding_events, findings
from revcycle.domain import work_queue as wq
from revcycle.domain.errors import DomainError
from revcycle.domain.findings import FindingStatus, Severity
from revcycle.service_layer.errors import NotFound, PermanentError

ACTIONS = ("assign", "status", "comment")


@dataclass(frozen=True, slots=True)
class FindingFilter:
    type: str | None = None
    severity: int | None = None
    min_severity: int | None = None
    status: tuple[str, ...] = ()
    owner: str | None = None  # "-" (or "none") for unassigned
    subject_kind: str | None = None
    subject_id: str | None = None
    payer_id: str | None = None
    facility_code: str | None = None
    correlation_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    after_id: int | None = None  # incremental sync: only findings newer than this, oldest first
    offset: int = 0
    limit: int = 100

    def where(self, query: Select[Any]) -> Select[Any]:
        f = findings.c
        for column, value in (
            (f.type, self.type),
            (f.severity, self.severity),
            (f.subject_kind, self.subject_kind),
            (f.subject_id, self.subject_id),
            (f.correlation_id, self.correlation_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if self.status:
            query = query.where(f.status.in_(self.status))
        if self.owner in ("-", "none"):
            query = query.where(f.owner.is_(None))
        elif self.owner is not None:
            query = query.where(f.owner == self.owner)
        if self.min_severity is not None:
            query = query.where(f.severity >= self.min_severity)
        if self.payer_id is not None:
            query = query.where(f.details["payer_id"].as_string() == self.payer_id)
        if self.facility_code is not None:
            query = query.where(f.details["facility_code"].as_string() == self.facility_code)
        if self.since is not None:
            query = query.where(f.created_at >= self.since)
        if self.until is not None:
            query = query.where(f.created_at < self.until)
        if self.after_id is not None:  # part of the filter: ``total`` counts what is still newer
            query = query.where(f.id > self.after_id)
        return query


def severity_value(value: str | None) -> int | None:
    """A severity by number (40) or name (high)."""
    if value is None or value == "":
        return None
    if value.isdigit():
        return int(value)
    try:
        return int(Severity[value.upper()])
    except KeyError:
        names = ", ".join(s.name.lower() for s in Severity)
        raise PermanentError(
            f"unknown severity; expected a number or one of {names}", code="invalid_filter"
        ) from None


def _with_age(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    created = datetime.fromisoformat(row["created_at"])
    row["age_seconds"] = int(wq.age(created, now).total_seconds())
    return row


class SqlWorkQueue:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))

    # -- reads ----------------------------------------------------------------------------------------

    def search(self, flt: FindingFilter) -> dict[str, Any]:
        f = findings.c
        limit = max(1, min(flt.limit, MAX_PAGE))
        query = flt.where(select(findings))
        if flt.before_id is not None:
            query = query.where(f.id < flt.before_id)
        # A consumer catching up (``after_id``) pages forward, oldest first; people see newest first.
        query = query.order_by(f.id if flt.after_id is not None else f.id.desc())
        query = query.offset(max(0, flt.offset)).limit(limit)
        now = self.clock()
        with self.engine.connect() as conn:
            items = [_with_age(as_dict(r), now) for r in conn.execute(query)]
            total = conn.execute(flt.where(select(func.count()).select_from(findings))).scalar_one()
        return {
            "items": items,
            "total": int(total),
            "offset": flt.offset,
            "limit": limit,
            "next_before_id": items[-1]["id"] if len(items) == limit and flt.after_id is None else None,
            "next_after_id": items[-1]["id"] if items and flt.after_id is not None else None,
        }

    def get(self, finding_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(findings).where(findings.c.id == finding_id)).first()
            if row is None:
                raise NotFound(f"finding {finding_id} not found")
            found = _with_age(as_dict(row), self.clock())
            e = finding_events.c
            events = [
                as_dict(r)
                for r in conn.execute(
                    select(e.id, e.at, e.actor, e.action, e.from_value, e.to_value, e.text)
                    .where(e.finding_id == finding_id)
                    .order_by(e.id)
                )
            ]
        found["history"] = [
            {k: v for k, v in ev.items() if k != "text"} | {"note": ev["text"]}
            for ev in events
            if ev["action"] != "comment"
        ]
        found["comments"] = [
            {"id": ev["id"], "at": ev["at"], "author": ev["actor"], "text": ev["text"]}
            for ev in events
            if ev["action"] == "comment"
        ]
        return found

    # -- actions --------------------------------------------------------------------------------------

    def assign(self, finding_id: int, owner: str | None, *, actor: str) -> dict[str, Any]:
        return self.bulk([finding_id], "assign", actor=actor, owner=owner)[0]

    def set_status(
        self, finding_id: int, status: str, *, actor: str, note: str | None = None
    ) -> dict[str, Any]:
        return self.bulk([finding_id], "status", actor=actor, status=status, note=note)[0]

    def comment(self, finding_id: int, text: str, *, actor: str) -> dict[str, Any]:
        return self.bulk([finding_id], "comment", actor=actor, text=text)[0]

    def bulk(
        self,
        ids: Sequence[int],
        action: str,
        *,
        actor: str,
        owner: str | None = None,
        status: str | None = None,
        text: str | None = None,
        note: str | None = None,
    ) -> list[dict[str, Any]]:
        """Apply one action to many findings in one transaction; an id not found or a move not
        allowed fails the whole request (nothing is changed)."""
        if action not in ACTIONS:
            raise PermanentError(
                f"unknown action; expected one of {', '.join(ACTIONS)}", code="invalid_action"
            )
        if not ids:
            raise PermanentError("no finding ids given", code="invalid_action")
        try:
            who = wq.actor_name(actor)
            target = wq.status_of(status or "") if action == "status" else None
            new_owner = wq.owner_name(owner) if action == "assign" else None
            body = wq.comment_text(text) if action == "comment" else None
            note_text = (note or "").strip()[: wq.MAX_COMMENT] or None
            now = self.clock()
            results = []
            with for_writing(self.engine).begin() as conn:
                for finding_id in dict.fromkeys(ids):
                    results.append(
                        self._apply(conn, finding_id, action, who, now, target, new_owner, body, note_text)
                    )
            return results
        except DomainError as error:
            raise PermanentError(str(error), code=getattr(error, "code", "illegal_transition")) from None

    def _apply(
        self,
        conn: Connection,
        finding_id: int,
        action: str,
        actor: str,
        now: datetime,
        target: FindingStatus | None,
        owner: str | None,
        body: str | None,
        note: str | None,
    ) -> dict[str, Any]:
        f = findings.c
        row = conn.execute(select(f.id, f.status, f.owner).where(f.id == finding_id)).first()
        if row is None:
            raise NotFound(f"finding {finding_id} not found")
        changed = False
        event: dict[str, Any] = {"finding_id": finding_id, "at": now, "actor": actor, "action": action}
        if action == "status" and target is not None:
            changed = wq.move(FindingStatus(row.status), target)
            if changed:
                conn.execute(
                    update(findings).where(f.id == finding_id).values(status=target.value, updated_at=now)
                )
                event |= {"from_value": row.status, "to_value": target.value, "text": note}
        elif action == "assign":
            changed = row.owner != owner
            if changed:
                conn.execute(update(findings).where(f.id == finding_id).values(owner=owner, updated_at=now))
                event |= {"from_value": row.owner, "to_value": owner, "text": note}
        elif action == "comment":
            changed = True
            conn.execute(update(findings).where(f.id == finding_id).values(updated_at=now))
            event |= {"text": body}
        if changed:
            conn.execute(insert(finding_events).values(**event))
        return {"id": finding_id, "action": action, "changed": changed}
