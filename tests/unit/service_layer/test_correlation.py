"""Correlation ids are UUIDv7 (RFC 9562 §5.7): valid, unique, and increasing in the order they were made."""

from __future__ import annotations

import os
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


def _random_tail(text: str) -> int:
    return uuid.UUID(text).int & ((1 << 62) - 1)


def test_a_forked_child_draws_its_own_randomness() -> None:
    """Ids take their random bits from a pool read from the system in one call; a forked child must
    not hand out what is left of its parent's pool (ids made at the same moment would collide)."""
    new_correlation_id()  # the pool is filled, most of it unused
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and exits at once
        os.write(write, "\n".join(new_correlation_id() for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as pipe:
        child_tails = {_random_tail(text) for text in pipe.read().split("\n")}
    parent_tails = {_random_tail(new_correlation_id()) for _ in range(50)}
    assert len(child_tails) == 50 and not child_tails & parent_tails
