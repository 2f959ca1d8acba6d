"""The running alerting: a thread that reloads the rules file when it changes, ticks the engine and
dispatches due notifications; ``wake()`` makes it look at once (the server calls it after a commit)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from revcycle.adapters.alert_channels.base import Channel
from revcycle.adapters.alert_channels.registry import build_channels
from revcycle.service_layer.alerts.conditions import AlertReads
from revcycle.service_layer.alerts.dispatcher import DeliveryStore, Dispatcher
from revcycle.service_layer.alerts.engine import AlertEngine, AlertWrites
from revcycle.service_layer.alerts.rules import AlertConfig, AlertConfigError, load_config

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConfigStatus:
    path: str | None
    loaded_at: datetime
    rules: int
    channels: tuple[str, ...]
    error: str | None = None


class AlertService:
    def __init__(
        self,
        reads: AlertReads,
        store: AlertWrites,
        deliveries: DeliveryStore,
        path: Path | None,
        *,
        poll_seconds: float = 0.2,
        link_base: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path = path
        self.clock = clock
        self.poll_seconds = poll_seconds
        config = load_config(path)  # an invalid file at start is an error the caller reports
        self._mtime = self._stat()
        self._channels: dict[str, Channel] = build_channels(config)
        self.engine = AlertEngine(reads, store, config)
        self.dispatcher = Dispatcher(deliveries, lambda: self._channels, link_base=link_base, clock=clock)
        self.status = ConfigStatus(
            str(path) if path else None, clock(), len(config.rules), tuple(sorted(self._channels))
        )
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def config(self) -> AlertConfig:
        return self.engine.config

    def _stat(self) -> float | None:
        try:
            return self.path.stat().st_mtime_ns if self.path else None
        except OSError:
            return None

    def reload(self) -> ConfigStatus:
        """Read the rules file again; an invalid file keeps the running rules and reports why."""
        self._mtime = self._stat()
        try:
            config = load_config(self.path)
        except AlertConfigError as error:
            log.error("alert rules not reloaded: %s", error)
            self.status = ConfigStatus(
                self.status.path, self.clock(), self.status.rules, self.status.channels, str(error)
            )
            return self.status
        self._channels = build_channels(config)
        self.engine.reconfigure(config)
        self.status = ConfigStatus(
            str(self.path) if self.path else None,
            self.clock(),
            len(config.rules),
            tuple(sorted(self._channels)),
        )
        log.info(
            "alert rules loaded: %d rules, channels %s", len(config.rules), ", ".join(self.status.channels)
        )
        return self.status

    def step(self) -> int:
        """One round (also what tests call): reload if the file changed, tick, dispatch."""
        if self.path is not None and self._stat() != self._mtime:
            self.reload()
        opened = self.engine.tick(self.clock())
        self.dispatcher.run_due()
        return opened

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="revcycle-alerts", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except SQLAlchemyError as error:  # the store is briefly unavailable: try again next round
                log.warning("alerting round failed: %s", type(error).__name__)
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        self.dispatcher.close()
