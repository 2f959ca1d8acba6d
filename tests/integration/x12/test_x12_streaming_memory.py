"""Streaming keeps memory bounded: a ~50 MB 837 generated on the fly (never held in memory) goes through
the reader in 1 MiB chunks, one transaction set at a time, while RSS is sampled from /proc/self/status.

The bound is generous (48 MB of growth for 50 MB of input, most of it one 1,000-claim set and the
allocator's arenas); without streaming the input text alone would add 50 MB and its segments several
times that. The 1 GB measurement is in ``bench/x12_parse.py``.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from revcycle.adapters.formats.x12.document import iter_transactions
from revcycle.adapters.formats.x12.envelope import EnvelopeReader
from revcycle.adapters.formats.x12.synthetic import SEGMENTS_PER_CLAIM, SyntheticStream

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("VmRSS not found")  # pragma: no cover


def test_50_mb_837_streams_with_bounded_rss() -> None:
    claims = 105_000
    stream = SyntheticStream(claims, claims_per_set=1000)
    gc.collect()
    baseline = peak = rss_mb()
    reader = EnvelopeReader(stream)
    sets = segments = 0
    for ts in reader:
        sets += 1
        segments += len(ts.raw_segments)
        assert ts.accepted
        if sets % 5 == 0:
            peak = max(peak, rss_mb())
    peak = max(peak, rss_mb())
    assert stream.bytes_read > 49_000_000
    assert sets == 105
    assert segments == claims * SEGMENTS_PER_CLAIM + sets * 12
    assert reader.interchanges[0].notes == []
    assert peak - baseline < 48, f"RSS grew {peak - baseline:.1f} MB"


def test_typed_streaming_parse_has_bounded_rss() -> None:
    claims = 20_000  # about 9.5 MB: every claim is parsed into dataclasses, then dropped
    stream = SyntheticStream(claims, claims_per_set=1000)
    gc.collect()
    baseline = peak = rss_mb()
    reader, transactions = iter_transactions(stream)
    parsed = 0
    for transaction in transactions:
        assert transaction.message_type == "837P" and transaction.content is not None
        parsed += len(transaction.content.claims)  # type: ignore[union-attr]
        peak = max(peak, rss_mb())
    assert parsed == claims
    assert reader.interchanges[0].closed and reader.interchanges[0].notes == []
    assert peak - baseline < 48, f"RSS grew {peak - baseline:.1f} MB"
