"""Bulk actions on the findings work queue: move to a status, assign an owner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update

from revcycle.adapters.store.engine import for_writing
from revcycle.adapters.store.schema import findings
from revcycle.domain.findings import FindingStatus


class SqlWorkQueue:
    def __init__(self, engine: Engine) -> None:
        self.writer = for_writing(engine)

    def update(
        self,
        ids: Sequence[int],
        now: datetime,
        *,
        status: FindingStatus | None = None,
        owner: str | None = None,
    ) -> int:
        """Apply a status and/or an owner (``""`` clears it) to the listed findings; returns how many."""
        values: dict[str, Any] = {"updated_at": now}
        if status is not None:
            values["status"] = status.value
        if owner is not None:
            values["owner"] = owner or None
        if not ids or len(values) == 1:
            return 0
        with self.writer.begin() as conn:
            return int(
                conn.execute(update(findings).where(findings.c.id.in_(list(ids))).values(**values)).rowcount
            )
