"""The demo's ERP side: the ERP emulator on a free loopback port, and the journal builder and poster in
their own thread reading the outbox (so an ERP outage never holds up ingestion), posting to it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from revcycle.adapters.erp.emulator import EmulatorServer
from revcycle.adapters.store.engine import make_engine
from revcycle.adapters.store.migrate import upgrade
from revcycle.bootstrap import build_erp
from revcycle.settings import Settings

log = logging.getLogger(__name__)
EXAMPLE_MAPPING = Path(__file__).resolve().parents[3] / "examples" / "gl-mapping.toml"


@dataclass
class DemoErp:
    emulator: EmulatorServer
    threads: list[threading.Thread]

    @property
    def url(self) -> str:
        return self.emulator.url


def start_demo_erp(settings: Settings, stop: threading.Event) -> DemoErp:
    """Start the emulator and the poster loop; both stop with ``stop``."""
    emulator = EmulatorServer(settings.http_host, 0)
    mapping = settings.erp_gl_mapping or (EXAMPLE_MAPPING if EXAMPLE_MAPPING.is_file() else None)
    erp_settings = settings.model_copy(
        update={"erp_adapter": "rest", "erp_rest_url": f"{emulator.url}/journals", "erp_gl_mapping": mapping}
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    parts = build_erp(erp_settings, engine)

    def serve() -> None:
        emulator.serve_forever(poll_interval=0.2)

    def post() -> None:
        parts.poster.run_forever(
            stop,
            lambda: datetime.now(UTC),
            poll_seconds=max(settings.erp_poll_seconds, 1.0),
            before_round=parts.builder.run_once,
        )
        emulator.shutdown()

    threads = [
        threading.Thread(target=serve, name="demo-erp-emulator", daemon=True),
        threading.Thread(target=post, name="demo-erp-poster", daemon=True),
    ]
    for thread in threads:
        thread.start()
    return DemoErp(emulator, threads)
