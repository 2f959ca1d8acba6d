"""Correlation ids are UUIDv7 (RFC 9562 §5.7): valid, unique, and increasing in the order they were made."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from revcycle.service_layer.correlation import new_correlation_id


def test_ids_are_version_7_with_the_time_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid.UUID(new_correlation_id())
    after = time.time_ns() // 1_000_000
    assert made.version == 7 and made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after + 1


def test_ids_made_in_a_burst_are_unique_and_sort_in_the_order_they_were_made() -> None:
    ids = [new_correlation_id() for _ in range(20_000)]  # thousands per millisecond: the counter orders
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(len(text) == 36 and text[14] == "7" for text in ids)


def test_ids_made_on_several_threads_are_unique() -> None:
    with ThreadPoolExecutor(4) as pool:
        batches = list(pool.map(lambda _: [new_correlation_id() for _ in range(2_000)], range(4)))
    every = [text for batch in batches for text in batch]
    assert len(set(every)) == len(every)
    assert all(batch == sorted(batch) for batch in batches)
