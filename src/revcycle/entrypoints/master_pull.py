"""The scheduled ERP master-data pulls the runtime runs (``REVCYCLE_MASTER_DATA_PULLS``).

Each pull runs every ``interval_seconds``: it fetches the records changed since its watermark
(``adapters.erp.rest_pull``), hands them to the edge as one master-data message of its kind (interface
``erp-pull:<name>``, so the load report names its source), and advances the watermark after the
durable append. A failed pull is recorded (``GET /api/v1/master-data/pulls``) and tried again at the
next interval; nothing is lost, as the watermark did not move.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from revcycle.adapters.erp.rest_pull import PullError, SqlPullState, fetch, next_watermark
from revcycle.adapters.formats import masterdata
from revcycle.service_layer.edge import Edge
from revcycle.service_layer.errors import ServiceError
from revcycle.settings import MasterDataPull

log = logging.getLogger(__name__)


class MasterDataPuller:
    def __init__(
        self,
        pull: MasterDataPull,
        edge: Edge,
        state: SqlPullState,
        *,
        on_append: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.pull = pull
        self.edge = edge
        self.state = state
        self.on_append = on_append
        self.clock = clock

    @property
    def interface(self) -> str:
        return f"erp-pull:{self.pull.name}"

    async def run_once(self, client: httpx.AsyncClient) -> str:
        """One pull; returns its status: "loaded", "empty" or "error"."""
        name = self.pull.name
        previous = await asyncio.to_thread(self.state.get, name)
        try:
            records = await fetch(self.pull, previous.watermark, client)
        except PullError as error:
            log.warning("master-data pull %s failed: %s", name, error)
            await asyncio.to_thread(self.state.save, name, at=self.clock(), status="error", error=str(error))
            return "error"
        if not records:
            await asyncio.to_thread(self.state.save, name, at=self.clock(), status="empty")
            return "empty"
        try:
            accepted = await self.edge.receive(
                masterdata.wire(self.pull.kind, records), interface=self.interface, transport="http"
            )
        except ServiceError as error:
            await asyncio.to_thread(self.state.save, name, at=self.clock(), status="error", error=str(error))
            return "error"
        if accepted.rejection is not None:
            await asyncio.to_thread(
                self.state.save, name, at=self.clock(), status="error", error=str(accepted.rejection)
            )
            return "error"
        self.on_append()
        watermark = next_watermark(records, self.pull.updated_field, previous.watermark)
        await asyncio.to_thread(
            self.state.save,
            name,
            at=self.clock(),
            status="loaded",
            watermark=watermark,
            message_id=accepted.appended.message_id,
            records=len(records),
        )
        return "loaded"

    async def run_forever(self) -> None:
        async with httpx.AsyncClient() as client:
            while True:
                await self.run_once(client)
                await asyncio.sleep(self.pull.interval_seconds)
