"""Processes reporting their telemetry through a real process queue: the server drains the reports as they
arrive (a reporting process never blocks on a full pipe, even when /metrics is never scraped), and a
reporting process exits promptly even when nobody reads its reports any more."""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.queues import Queue

from revcycle.adapters.metrics import PrometheusTelemetry, Snapshot, TelemetryReporter


def _report_hard(outbox: Queue[tuple[str, Snapshot]], seconds: float) -> None:
    telemetry = PrometheusTelemetry()
    for n in range(200):  # many label sets: each snapshot is large, the pipe fills in a few reports
        telemetry.received(f"if{n}", "hl7v2", "DFT_P03", "accepted", 0.001)
    reporter = TelemetryReporter(telemetry, outbox, "worker", interval=0.001)
    reporter.start()
    time.sleep(seconds)
    reporter.stop()


def test_a_busy_reporter_is_drained_and_exits_while_metrics_are_never_scraped() -> None:
    context = multiprocessing.get_context("spawn")
    inbox: Queue[tuple[str, Snapshot]] = context.Queue()
    server = PrometheusTelemetry()
    server.receive_from(inbox)
    child = context.Process(target=_report_hard, args=(inbox, 1.5))
    child.start()
    child.join(20)
    assert child.exitcode == 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(server.collect()) == len(PrometheusTelemetry().collect()):
        time.sleep(0.05)
    text = server.render().decode()
    assert 'revcycle_messages_received_total{format="hl7v2",interface="if199"' in text


def test_a_reporter_exits_when_nobody_reads_its_reports() -> None:
    context = multiprocessing.get_context("spawn")
    unread: Queue[tuple[str, Snapshot]] = context.Queue()  # the server is gone: no one drains it
    child = context.Process(target=_report_hard, args=(unread, 1.0))
    child.start()
    child.join(20)
    assert child.exitcode == 0
