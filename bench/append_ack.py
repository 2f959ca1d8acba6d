"""Append-and-acknowledge: the edge's durable group commit vs the bare SQLite insert ceiling.

    .venv/bin/python bench/append_ack.py [--messages 20000]

Measured in one run, on a temporary SQLite file (WAL, synchronous=NORMAL), 1.3 KB DFT^P03 messages:
  * ceiling: raw ``sqlite3`` inserts of the same rows, one transaction per row and 32 rows per transaction;
  * ours: ``Edge.receive`` (identify, idempotency key, group commit, acknowledgment) with 1 and 32
    concurrent senders, closed loop; and an open loop at 1,000 messages/s for ACK latency percentiles.
Prints a Markdown table (append it to bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from messages import dft

from revcycle.bootstrap import build
from revcycle.settings import Settings


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def sqlite_ceiling(path: Path, messages: list[bytes], per_txn: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, k TEXT UNIQUE, received TEXT, raw BLOB)")
    started = time.perf_counter()
    for start in range(0, len(messages), per_txn):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO m (k, received, raw) VALUES (?, ?, ?)",
            [
                (f"{start + i}", "2026-11-22T00:00:00", raw)
                for i, raw in enumerate(messages[start : start + per_txn])
            ],
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(messages) / elapsed


async def closed_loop(edge: object, messages: list[bytes], senders: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = list(reversed(messages))

    async def sender() -> None:
        while queue:
            raw = queue.pop()
            t0 = time.perf_counter()
            await edge.receive(raw, interface="bench", transport="bench")  # type: ignore[attr-defined]
            latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    return len(messages) / (time.perf_counter() - started), latencies


async def open_loop(edge: object, messages: list[bytes], rate: float) -> list[float]:
    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def one(raw: bytes, due: float) -> None:
        await edge.receive(raw, interface="bench", transport="bench")  # type: ignore[attr-defined]
        latencies.append(loop.time() - due)

    tasks = []
    for i, raw in enumerate(messages):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(raw, due)))
    await asyncio.gather(*tasks)
    return latencies


async def ours(workdir: Path, count: int) -> dict[str, object]:
    container = build(Settings(data_dir=workdir, workers=False, mllp_enabled=False))
    await container.committer.start()
    results: dict[str, object] = {}
    serial = 0

    def batch(n: int) -> list[bytes]:
        nonlocal serial
        out = [dft(f"B{serial + i:09d}", (serial + i) % 5000) for i in range(n)]
        serial += n
        return out

    await closed_loop(container.edge, batch(500), 8)  # warm-up
    for senders in (1, 32):
        rate, lat = await closed_loop(container.edge, batch(count), senders)
        results[f"closed_{senders}"] = (rate, pct(lat, 0.5), pct(lat, 0.99), pct(lat, 0.999))
    lat = await open_loop(container.edge, batch(min(count, 10_000)), 1000.0)
    results["open_1000"] = (1000.0, pct(lat, 0.5), pct(lat, 0.99), pct(lat, 0.999))
    results["batches"] = container.committer.batches
    await container.committer.close()
    container.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    args = parser.parse_args()
    messages = [dft(f"C{i:09d}", i % 5000) for i in range(args.messages)]
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        ceiling_1 = sqlite_ceiling(tmpdir / "c1.db", messages[: min(len(messages), 5000)], 1)
        ceiling_32 = sqlite_ceiling(tmpdir / "c32.db", messages, 32)
        results = asyncio.run(ours(tmpdir / "ours", args.messages))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| measure | messages/s | ratio to ceiling | p50 ms | p99 ms | p99.9 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| ceiling: bare sqlite3 insert, 1 row per commit | {ceiling_1:,.0f} | 1.00 | | | |")
    print(f"| ceiling: bare sqlite3 insert, 32 rows per commit | {ceiling_32:,.0f} | 1.00 | | | |")
    for senders, ceiling in ((1, ceiling_1), (32, ceiling_32)):
        rate, p50, p99, p999 = results[f"closed_{senders}"]  # type: ignore[misc]
        print(
            f"| edge append+ack, {senders} sender(s), closed loop | {rate:,.0f} | {rate / ceiling:.2f} | "
            f"{p50:.2f} | {p99:.2f} | {p999:.2f} |"
        )
    _, p50, p99, p999 = results["open_1000"]  # type: ignore[misc]
    print(f"| edge append+ack, open loop at 1,000 msg/s | 1,000 | | {p50:.2f} | {p99:.2f} | {p999:.2f} |")
    print(f"\ngroup commits: {results['batches']}; peak RSS {rss:.0f} MB; cpus {os.cpu_count()}")


if __name__ == "__main__":
    main()
