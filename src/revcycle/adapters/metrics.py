"""Prometheus metrics, on a registry owned by the app (no global state).

Label values are bounded: interfaces come from configuration, formats from the registry, and message
types are kept only when they look like a type code (``ADT_A01``, ``837P``); anything else is
``other``, so a hostile sender cannot explode cardinality. No label ever carries PHI.

The server exports what its other processes count too (the worker process, extra MLLP edge
processes): each reports a snapshot of its counters and histograms every second through a queue
(``TelemetryReporter``), and the server adds the latest snapshot of each to its own figures when it
is scraped, so ``/metrics`` shows the whole service, as one process would.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

_TYPE = re.compile(r"^[A-Za-z0-9_]{1,24}$")
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_COMMIT_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


def _type_label(message_type: str) -> str:
    return message_type if _TYPE.match(message_type) else "other"


@dataclass(frozen=True, slots=True)
class Backlog:
    depth: int
    oldest_age_seconds: float
    dead_letters_open: int


class _BacklogCollector(Collector):
    def __init__(self, read: Callable[[], Backlog]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = self.read()
        yield GaugeMetricFamily(
            "revcycle_backlog_depth", "Messages accepted but not yet processed", backlog.depth
        )
        yield GaugeMetricFamily(
            "revcycle_backlog_oldest_age_seconds",
            "Age of the oldest unprocessed message",
            backlog.oldest_age_seconds,
        )
        yield GaugeMetricFamily(
            "revcycle_dead_letters_open", "Dead letters not yet replayed", backlog.dead_letters_open
        )


class _ListenerCollector(Collector):
    """Transport counters owned by a listener (connections, frames, frame errors), read at scrape time."""

    def __init__(self, interface: str, read: Callable[[], dict[str, int]]) -> None:
        self.interface = interface
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, value in sorted(self.read().items()):
            family = GaugeMetricFamily(f"revcycle_listener_{name}", f"listener {name}", labels=["interface"])
            family.add_metric([self.interface], value)
            yield family


# (family name, help, type, [(sample name, labels, value)]): counters and histograms, no "_created".
Snapshot = list[tuple[str, str, str, list[tuple[str, dict[str, str], float]]]]


class Outbox(Protocol):
    def put(self, item: tuple[str, Snapshot]) -> None: ...


class Inbox(Protocol):
    def get(self) -> tuple[str, Snapshot]: ...


def _timestamp(sample: str) -> bool:
    """A counter's or histogram's creation time: this process's own, not to be added up."""
    return sample.endswith("_created")


class _Fixed(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def _merged(own: Iterable[Metric], remote: Iterable[Snapshot]) -> list[Metric]:
    """``own`` families with the samples of other processes added (same sample name and labels:
    summed; new ones appended); families only other processes have are added whole."""
    Key = tuple[str, tuple[tuple[str, str], ...]]
    extra: dict[str, tuple[str, str, dict[Key, float]]] = {}
    for snapshot in remote:
        for name, documentation, kind, samples in snapshot:
            _, _, values = extra.setdefault(name, (documentation, kind, {}))
            for sample_name, labels, value in samples:
                key = (sample_name, tuple(sorted(labels.items())))
                values[key] = values.get(key, 0.0) + value
    families: list[Metric] = []
    for family in own:
        if family.name not in extra:
            families.append(family)
            continue
        _, _, values = extra.pop(family.name)
        merged = Metric(family.name, family.documentation, family.type)
        for point in family.samples:
            key = (point.name, tuple(sorted(point.labels.items())))
            merged.add_sample(point.name, point.labels, point.value + values.pop(key, 0.0))
        for (sample_name, pairs), value in values.items():
            merged.add_sample(sample_name, dict(pairs), value)
        families.append(merged)
    for name, (documentation, kind, values) in extra.items():
        only_remote = Metric(name, documentation, kind)
        for (sample_name, pairs), value in values.items():
            only_remote.add_sample(sample_name, dict(pairs), value)
        families.append(only_remote)
    return families


class PrometheusTelemetry:
    def __init__(self, backlog: Callable[[], Backlog] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.received_total = Counter(
            "revcycle_messages_received",
            "Messages received at the edge",
            ["interface", "format", "type", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "revcycle_ack_seconds",
            "Receipt to acknowledgment (durable append included)",
            ["interface"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.processed_total = Counter(
            "revcycle_messages_processed",
            "Messages leaving the worker, by outcome (processed, unmapped, failed, dead)",
            ["interface", "type", "outcome"],
            registry=self.registry,
        )
        self.processing_seconds = Histogram(
            "revcycle_processing_latency_seconds",
            "Receipt to processed commit",
            ["interface"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.frame_errors_total = Counter(
            "revcycle_frame_errors", "Transport framing errors", ["interface", "kind"], registry=self.registry
        )
        self.commit_messages = Histogram(
            "revcycle_group_commit_messages",
            "Messages per group commit of the inbound log (one transaction)",
            buckets=_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.commit_seconds = Histogram(
            "revcycle_group_commit_seconds",
            "One group commit's transaction (the wait for the write lock included)",
            buckets=_COMMIT_BUCKETS,
            registry=self.registry,
        )
        self.sync_seconds = Histogram(
            "revcycle_group_commit_sync_seconds",
            "One sync of the SQLite log's WAL after its group commits (synchronous=FULL)",
            buckets=_COMMIT_BUCKETS,
            registry=self.registry,
        )
        self._received: dict[tuple[str, str, str, str], tuple[Any, Any]] = {}
        self._inbox: Inbox | None = None
        self._remote: dict[str, Snapshot] = {}  # the latest snapshot of each other process
        if backlog is not None:
            self.registry.register(_BacklogCollector(backlog))

    def received(self, interface: str, fmt: str, message_type: str, outcome: str, seconds: float) -> None:
        # The hot path: label children are looked up once per label set, then reused.
        key = (interface, fmt, message_type, outcome)
        children = self._received.get(key)
        if children is None:
            children = (
                self.received_total.labels(interface, fmt, _type_label(message_type), outcome),
                self.ack_seconds.labels(interface),
            )
            if len(self._received) < 10_000:  # bounded, like the label values themselves
                self._received[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def committed(self, messages: int, seconds: float) -> None:
        self.commit_messages.observe(messages)
        self.commit_seconds.observe(seconds)

    def synced(self, seconds: float) -> None:
        self.sync_seconds.observe(seconds)

    def outcome(self, interface: str, message_type: str, outcome: str, seconds: float | None) -> None:
        self.processed_total.labels(interface, _type_label(message_type), outcome).inc()
        if seconds is not None:
            self.processing_seconds.labels(interface).observe(seconds)

    def frame_error(self, interface: str, kind: str) -> None:
        self.frame_errors_total.labels(interface, kind).inc()

    def watch_listener(self, interface: str, read: Callable[[], dict[str, int]]) -> None:
        """Export a listener's counters (e.g. MLLP connections open, frames, frame errors)."""
        self.registry.register(_ListenerCollector(interface, read))

    def snapshot(self) -> Snapshot:
        """This process's counters and histograms, as reported to the server."""
        return [
            (
                family.name,
                family.documentation,
                family.type,
                [(x.name, dict(x.labels), x.value) for x in family.samples if not _timestamp(x.name)],
            )
            for family in self.registry.collect()
            if family.type in ("counter", "histogram")
        ]

    def receive_from(self, inbox: Inbox) -> None:
        """Add what other processes report into ``inbox`` (``TelemetryReporter``) to this one's figures.
        A thread drains it as reports arrive, so a reporting process never blocks on a full pipe."""
        threading.Thread(target=self._drain, args=(inbox,), name="telemetry-inbox", daemon=True).start()

    def _drain(self, inbox: Inbox) -> None:
        while True:
            try:
                source, snapshot = inbox.get()
            except (EOFError, OSError):  # the queue was closed: nobody reports any more
                return
            self._remote[source] = snapshot

    def collect(self) -> list[Metric]:
        """Every family: this process's, with the other processes' latest figures added."""
        return _merged(self.registry.collect(), list(self._remote.values()))

    def render(self) -> bytes:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Fixed(self.collect()))
        return generate_latest(registry)


class TelemetryReporter:
    """A thread that sends this process's snapshot to the server every ``interval`` seconds, and once
    more when stopped (so the last counts before a clean stop are not lost)."""

    def __init__(
        self, telemetry: PrometheusTelemetry, outbox: Outbox, source: str, interval: float = 1.0
    ) -> None:
        self.telemetry, self.outbox, self.source, self.interval = telemetry, outbox, source, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"telemetry-{source}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.outbox.put((self.source, self.telemetry.snapshot()))
        cancel = getattr(self.outbox, "cancel_join_thread", None)
        if cancel is not None:  # a process queue: never wait at exit for a server that is gone
            cancel()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.outbox.put((self.source, self.telemetry.snapshot()))
