"""Read side of master data: load reports, the versions of a record, the version valid on a date, and
what is held in quarantine."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from revcycle.adapters.store.message_queries import MAX_PAGE, as_dict
from revcycle.adapters.store.schema import master_data, master_data_loads, master_data_pulls, quarantine
from revcycle.domain.master_data import Effective, version_on

_LOAD_LIST = [c for c in master_data_loads.c if c.name != "report"]


class MasterDataQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def loads(
        self, *, kind: str | None = None, before_id: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        c = master_data_loads.c
        query = select(*_LOAD_LIST)
        if kind is not None:
            query = query.where(c.kind == kind)
        if before_id is not None:
            query = query.where(c.id < before_id)
        query = query.order_by(c.id.desc()).limit(max(1, min(limit, MAX_PAGE)))
        with self.engine.connect() as conn:
            return [as_dict(r) for r in conn.execute(query)]

    def load(self, load_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(master_data_loads).where(master_data_loads.c.id == load_id)).first()
        return None if row is None else as_dict(row)

    def load_of_message(self, message_id: int) -> dict[str, Any] | None:
        c = master_data_loads.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(master_data_loads).where(c.message_id == message_id).order_by(c.id).limit(1)
            ).first()
        return None if row is None else as_dict(row)

    def versions(self, kind: str, code: str) -> list[dict[str, Any]]:
        """Every version of a record, in load order."""
        return [as_dict(r) for _, r in self._versions(kind, code)]

    def version_on(self, kind: str, code: str, on: date | None) -> dict[str, Any] | None:
        """The version valid on ``on`` (the rule of ``domain.master_data.version_on``)."""
        found = version_on(self._versions(kind, code), on)
        return None if found is None else as_dict(found)

    def _versions(self, kind: str, code: str) -> list[tuple[Effective, Any]]:
        c = master_data.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.effective_start, c.effective_end, c.data, c.correlation_id, c.loaded_at)
                .where(c.kind == kind, c.code == code)
                .order_by(c.loaded_at, c.id)
            ).all()
        return [(Effective(r.effective_start, r.effective_end), r) for r in rows]

    def quarantined(self, *, status: str | None = "held", limit: int = 100) -> dict[str, Any]:
        q = quarantine.c
        query = select(quarantine)
        if status is not None:
            query = query.where(q.status == status)
        by_code = (
            select(q.kind, q.code, func.count().label("items"))
            .where(q.status == "held")
            .group_by(q.kind, q.code)
        )
        with self.engine.connect() as conn:
            items = [
                as_dict(r)
                for r in conn.execute(query.order_by(q.id.desc()).limit(max(1, min(limit, MAX_PAGE))))
            ]
            missing = [as_dict(r) for r in conn.execute(by_code.order_by(q.kind, q.code))]
        return {"items": items, "missing": missing}

    def pulls(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [
                as_dict(r) for r in conn.execute(select(master_data_pulls).order_by(master_data_pulls.c.name))
            ]
