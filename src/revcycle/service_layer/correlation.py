"""Correlation ids: UUID version 7 (RFC 9562 §5.7), ordered by the time they were made.

Every received message gets one, and the inbound log indexes it. A random id (version 4) put each new
row on a random page of that index, so a commit of a few dozen appends rewrote as many index pages,
and the WAL filled (and was checkpointed) several times as often; an id that grows with time is
appended at the end of the index instead. Layout, most significant first:

* 48 bits: Unix time in milliseconds;
* 4 bits: version 7;
* 12 bits: a counter ordering the ids this process makes within one millisecond (RFC 9562 §6.2,
  method 1), started at a random value below 2,048 each millisecond; when it runs out, the time is
  moved on by a millisecond, so ids stay increasing;
* 2 bits: variant (RFC 9562 §4.1, ``10``);
* 62 bits: random, so that ids made by different processes in the same millisecond still differ.
"""

from __future__ import annotations

import os
import threading
import time

_COUNTER_MAX = 0xFFF


_DRAWN = 10  # bytes of randomness per id: 62 bits for the tail, 11 for a counter start
_POOL = 256  # ids per read of the system's randomness (one system call, not one per id)


class _Generator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._millis = 0
        self._counter = 0
        self._pool = b""
        self._taken = 0

    def forget_pool(self) -> None:
        self._lock = threading.Lock()
        self._pool, self._taken = b"", 0

    def next(self) -> str:
        now = time.time_ns() // 1_000_000
        with self._lock:
            if self._taken >= len(self._pool):
                self._pool, self._taken = os.urandom(_DRAWN * _POOL), 0
            random_bits = int.from_bytes(self._pool[self._taken : self._taken + _DRAWN], "big")
            self._taken += _DRAWN
            if now > self._millis:
                self._millis, self._counter = now, random_bits >> 69  # below 2,048: room to count
            elif self._counter < _COUNTER_MAX:
                self._counter += 1
            else:  # 4,096 ids in one millisecond: borrow the next one
                self._millis, self._counter = self._millis + 1, 0
            millis, counter = self._millis, self._counter
        value = (millis << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | (random_bits & (1 << 62) - 1)
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_generator = _Generator()
# A forked child must not hand out the rest of its parent's randomness.
os.register_at_fork(after_in_child=_generator.forget_pool)


def new_correlation_id() -> str:
    """A new UUIDv7 in its 36-character text form; later calls in this process sort after earlier ones."""
    return _generator.next()
