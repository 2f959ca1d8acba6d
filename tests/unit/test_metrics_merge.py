"""/metrics adds up what the other processes report: the same series summed, new series and families
added, each process's latest snapshot counted once, creation timestamps left to each process."""

from __future__ import annotations

import queue
import time

from revcycle.adapters.metrics import PrometheusTelemetry, Snapshot, TelemetryReporter


def _value(telemetry: PrometheusTelemetry, sample: str, **labels: str) -> float | None:
    for family in telemetry.collect():
        for point in family.samples:
            if point.name == sample and all(point.labels.get(k) == v for k, v in labels.items()):
                return point.value
    return None


def _until_drained(inbox: queue.Queue[tuple[str, Snapshot]]) -> None:
    deadline = time.monotonic() + 5
    while not inbox.empty() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # the last one taken is stored


def test_reports_of_other_processes_are_added_to_this_ones_figures() -> None:
    server, worker, edge = PrometheusTelemetry(), PrometheusTelemetry(), PrometheusTelemetry()
    server.received("http", "fhir", "Claim", "accepted", 0.002)
    edge.received("mllp", "hl7v2", "DFT_P03", "accepted", 0.004)
    edge.received("mllp", "hl7v2", "DFT_P03", "accepted", 0.2)
    worker.outcome("mllp", "DFT_P03", "processed", 0.5)
    inbox: queue.Queue[tuple[str, Snapshot]] = queue.Queue()
    server.receive_from(inbox)
    inbox.put(("edge-1", edge.snapshot()))
    inbox.put(("worker", worker.snapshot()))
    edge.received("mllp", "hl7v2", "DFT_P03", "accepted", 0.004)
    inbox.put(("edge-1", edge.snapshot()))  # a later report replaces the earlier one
    _until_drained(inbox)

    received = "revcycle_messages_received_total"
    assert _value(server, received, interface="mllp", type="DFT_P03") == 3.0
    assert _value(server, received, interface="http", type="Claim") == 1.0
    assert _value(server, "revcycle_ack_seconds_count", interface="mllp") == 3.0
    assert _value(server, "revcycle_ack_seconds_bucket", interface="mllp", le="0.005") == 2.0
    assert _value(server, "revcycle_messages_processed_total", outcome="processed") == 1.0
    assert server.collect() and _value(server, received, interface="mllp", type="DFT_P03") == 3.0  # not twice
    text = server.render().decode()
    assert text.count("# TYPE revcycle_messages_received_total counter") == 1
    assert (
        'revcycle_messages_processed_total{interface="mllp",outcome="processed",type="DFT_P03"} 1.0' in text
    )
    assert all("_created" not in name for family in edge.snapshot() for name, _, _ in family[3])


def test_a_reporter_sends_a_last_snapshot_when_stopped() -> None:
    worker = PrometheusTelemetry()
    outbox: queue.Queue[tuple[str, Snapshot]] = queue.Queue()
    reporter = TelemetryReporter(worker, outbox, "worker", interval=60)
    reporter.start()
    worker.outcome("mllp", "ADT_A04", "processed", 0.1)
    reporter.stop()
    source, snapshot = outbox.get_nowait()
    assert source == "worker"
    server = PrometheusTelemetry()
    server.receive_from(outbox)
    outbox.put((source, snapshot))
    _until_drained(outbox)
    assert _value(server, "revcycle_messages_processed_total", type="ADT_A04") == 1.0


def test_without_reports_the_exposition_is_the_registry_own() -> None:
    from prometheus_client import generate_latest

    alone = PrometheusTelemetry()
    alone.received("mllp", "hl7v2", "ADT_A04", "accepted", 0.01)
    alone.frame_error("mllp", "junk")
    assert alone.render() == generate_latest(alone.registry)
