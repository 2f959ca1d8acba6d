"""A seeded random stream with cheap integer draws.

``random.Random.randint`` / ``choice`` / ``randrange`` reject-sample with ``getrandbits`` for exact
uniformity, at several microseconds per call in pure Python; the simulator makes millions of draws, and
a bias of at most n / 2**53 (from scaling one 53-bit float) is irrelevant for synthetic traffic. Every
draw still comes from the Mersenne Twister seeded by the run's seed, so output is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from random import Random
from typing import TypeVar

T = TypeVar("T")


class FastRandom(Random):
    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            return int(self.random() * start)
        return start + step * int(self.random() * ((stop - start + step - 1) // step))

    def choice(self, seq: Sequence[T]) -> T:  # type: ignore[override]  # narrower: sequences only
        return seq[int(self.random() * len(seq))]
