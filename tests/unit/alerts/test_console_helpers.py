"""Small pure parts of the console and the channels: latency summaries, charts, signatures, titles."""

from __future__ import annotations

from datetime import UTC, datetime

from revcycle.adapters.alert_channels.base import Notification
from revcycle.adapters.alert_channels.webhook import sign, verify
from revcycle.adapters.metrics import PrometheusTelemetry
from revcycle.entrypoints.web.charts import bar_chart, line_chart
from revcycle.service_layer.console import histogram_summary, rate


def test_ack_latency_summary_from_the_real_histogram() -> None:
    telemetry = PrometheusTelemetry()
    for seconds in [0.002] * 90 + [0.2] * 10:
        telemetry.received("mllp", "hl7v2", "DFT_P03", "accepted", seconds)
    samples = [
        (s.name, s.labels, s.value)
        for metric in telemetry.registry.collect()
        if metric.name == "revcycle_ack_seconds"
        for s in metric.samples
    ]
    summary = histogram_summary(samples)["mllp"]
    assert summary["count"] == 100
    assert summary["mean_ms"] == round(1000 * (90 * 0.002 + 10 * 0.2) / 100, 2)
    assert 200 <= summary["p95_ms"] <= 1000  # the bucket bound holding the 95th sample


def test_rates_and_charts() -> None:
    assert rate(1, 3) == 33.3 and rate(0, 0) is None
    svg = line_chart(["a", "b", "c"], {"x": [1, 2, 3], "y": [3, None, 1]}, label="t")
    assert svg.count("<polyline") == 2 and 'data-chart="t"' in svg
    assert "no data" in line_chart([], {}, label="t")
    bars = bar_chart({"0-30": 5, "31-60": 0}, label="aging")
    assert bars.count("<rect") == 2 and ">5<" in bars


def test_signature_round_trip_and_tamper() -> None:
    body = b'{"alert_id":1}'
    signature = sign(b"key", "1700000000", body)
    assert signature.startswith("sha256=") and verify(b"key", "1700000000", body, signature)
    assert not verify(b"key", "1700000001", body, signature)  # another timestamp
    assert not verify(b"key", "1700000000", body + b" ", signature)


def test_titles_name_the_event() -> None:
    at = datetime(2026, 11, 22, tzinfo=UTC)
    note = Notification(1, "resolved", "r", "k", "high", "claim 5 denied", "resolved", at, at)
    assert note.title == "[revcycle RESOLVED] HIGH r: claim 5 denied"
    assert note.as_json()["opened_at"] == "2026-11-22T00:00:00+00:00"
