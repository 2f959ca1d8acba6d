"""The worker alone: CPU time per processed 1.3 KB DFT^P03 (parse, map, handlers, commit), in process.

    .venv/bin/python bench/worker_rate.py [--messages 3000]

Appends the messages through the edge (group commit, temporary SQLite store), then drains them with
``Worker.drain`` (one process, one core, large write budget) and prints CPU microseconds per message
and the wall rate. Each message registers its patient the first time (1,000 patients), captures two
charges and, from the second round on, raises duplicate-charge findings, as a clinic's resends would.
CPU time is the figure to compare on a shared machine; ``valgrind --tool=callgrind`` on two sizes gives
instructions per message (see bench/results/mllp.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from messages import dft

from revcycle.bootstrap import build
from revcycle.settings import Settings

WARM_UP = 200


async def fill(container: object, messages: list[bytes]) -> None:
    edge = container.edge  # type: ignore[attr-defined]
    await container.committer.start()  # type: ignore[attr-defined]
    for start in range(0, len(messages), 64):
        await asyncio.gather(
            *(edge.receive(raw, interface="bench", transport="bench") for raw in messages[start : start + 64])
        )
    await container.committer.close()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument(
        "--budget", type=float, default=10.0, help="write budget per transaction, seconds (the server: 0.005)"
    )
    parser.add_argument("--fill-only", action="store_true", help="append without draining (for callgrind)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # NORMAL: the worker process's own setting (its commits are redone from the log after a power loss)
        settings = Settings(
            data_dir=Path(tmp), workers=False, mllp_enabled=False, sqlite_synchronous="NORMAL"
        )
        container = build(settings)
        messages = [dft(f"W{i:09d}", i % 1000) for i in range(args.messages + WARM_UP)]
        asyncio.run(fill(container, messages))
        if args.fill_only:
            return
        worker = container.worker
        worker.write_budget = args.budget
        warm = 0
        while warm < WARM_UP:  # code sets load lazily on first use: not what a message costs
            warm += worker.run_once()
        cpu, wall = time.process_time(), time.perf_counter()
        done = worker.drain()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        container.engine.dispose()
    print(
        f"worker: {done} messages, {cpu / max(done, 1) * 1e6:,.0f} us CPU per message, {done / wall:,.0f} msg/s wall"
    )


if __name__ == "__main__":
    main()
