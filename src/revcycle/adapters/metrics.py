"""Prometheus metrics, on a registry owned by the app (no global state).

Label values are bounded: interfaces come from configuration, formats from the registry, and message
types are kept only when they look like a type code (``ADT_A01``, ``837P``); anything else is
``other``, so a hostile sender cannot explode cardinality. No label ever carries PHI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

_TYPE = re.compile(r"^[A-Za-z0-9_]{1,24}$")
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


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
        self._received: dict[tuple[str, str, str, str], tuple[Any, Any]] = {}
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

    def outcome(self, interface: str, message_type: str, outcome: str, seconds: float | None) -> None:
        self.processed_total.labels(interface, _type_label(message_type), outcome).inc()
        if seconds is not None:
            self.processing_seconds.labels(interface).observe(seconds)

    def frame_error(self, interface: str, kind: str) -> None:
        self.frame_errors_total.labels(interface, kind).inc()

    def watch_listener(self, interface: str, read: Callable[[], dict[str, int]]) -> None:
        """Export a listener's counters (e.g. MLLP connections open, frames, frame errors)."""
        self.registry.register(_ListenerCollector(interface, read))

    def render(self) -> bytes:
        return generate_latest(self.registry)
