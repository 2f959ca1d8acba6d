"""ERP posting inside a server: the journal builder and poster as a thread reading the outbox (so an
ERP outage never holds up ingestion), on the server's engine (on SQLite it then takes the write lock on
the edge's side, ahead of the worker); and the demo's ERP emulator."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from revcycle.adapters.erp.emulator import EmulatorServer
from revcycle.bootstrap import build_erp
from revcycle.domain.errors import DomainError
from revcycle.settings import Settings

log = logging.getLogger(__name__)
EXAMPLE_MAPPING = Path(__file__).resolve().parents[3] / "examples" / "gl-mapping.toml"


def start_poster(settings: Settings, engine: Engine, stop: threading.Event) -> threading.Thread | None:
    """The builder + poster loop as a daemon thread; None (and a logged reason) when the ERP settings
    cannot make a poster."""
    try:
        parts = build_erp(settings, engine)
    except (DomainError, ValueError, OSError) as error:
        log.error("ERP poster not started: %s", error)
        return None

    def loop() -> None:
        parts.poster.run_forever(
            stop,
            lambda: datetime.now(UTC),
            poll_seconds=settings.erp_poll_seconds,
            before_round=parts.builder.run_once,
        )

    thread = threading.Thread(target=loop, name="revcycle-erp-poster", daemon=True)
    thread.start()
    log.info("ERP poster posting to the %s ERP", settings.erp_adapter)
    return thread


def start_demo_emulator(settings: Settings) -> tuple[EmulatorServer, Settings]:
    """The ERP emulator on a free loopback port, and the settings that post to it from ``serve``."""
    emulator = EmulatorServer(settings.http_host, 0)
    threading.Thread(target=emulator.serve_forever, name="demo-erp-emulator", daemon=True).start()
    mapping = settings.erp_gl_mapping or (EXAMPLE_MAPPING if EXAMPLE_MAPPING.is_file() else None)
    return emulator, settings.model_copy(
        update={
            "erp_poster": True,
            "erp_adapter": "rest",
            "erp_rest_url": f"{emulator.url}/journals",
            "erp_gl_mapping": mapping,
            "erp_poll_seconds": max(settings.erp_poll_seconds, 1.0),
        }
    )
