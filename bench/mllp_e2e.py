"""MLLP end to end: framing, identify, durable group commit, ACK, against a running ``revcycle serve``.

    .venv/bin/python bench/mllp_e2e.py [--messages 20000] [--duration 0]

Starts the server as a subprocess on a temporary SQLite store (workers on, so processing competes for
the same two cores, as in production), then in one run measures:
  * ceiling: our bare tokenizer on the same messages (messages/s, one core);
  * closed loop with 1, 8 and 32 persistent connections: messages/s, ACK latency p50/p99/p99.9;
  * open loop at 1,000 messages/s over 8 connections: ACK latency percentiles;
  * with --duration N: a steady 1,000 messages/s for N seconds, sampling the server's RSS every 10 s
    (memory must stay flat).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.messages import dft  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402

from revcycle.adapters.formats.hl7v2.tokenizer import tokenize  # noqa: E402
from revcycle.adapters.mllp.framing import encode  # noqa: E402

counter = itertools.count()


def message() -> bytes:
    n = next(counter)
    return dft(f"M{n:010d}", n % 20_000)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def connection(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def send_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> bytes:
    writer.write(encode(raw))
    await writer.drain()
    return await reader.readuntil(b"\x1c\x0d")


async def closed_loop(port: int, connections: int, total: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = [total]

    async def worker() -> None:
        reader, writer = await connection(port)
        while remaining[0] > 0:
            remaining[0] -= 1
            t0 = time.perf_counter()
            ack = await send_one(reader, writer, message())
            latencies.append(time.perf_counter() - t0)
            assert b"MSA|AA|" in ack or b"MSA|CA|" in ack, ack[:200]
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return total / (time.perf_counter() - started), latencies


async def open_loop(
    port: int, connections: int, rate: float, seconds: float, server: ServerProcess | None = None
) -> tuple[list[float], list[float]]:
    latencies: list[float] = []
    rss: list[float] = []
    queues: list[asyncio.Queue[float | None]] = [asyncio.Queue() for _ in range(connections)]

    async def worker(queue: asyncio.Queue[float | None]) -> None:
        reader, writer = await connection(port)
        while (due := await queue.get()) is not None:
            await send_one(reader, writer, message())
            latencies.append(time.perf_counter() - due)
        writer.close()

    tasks = [asyncio.create_task(worker(q)) for q in queues]
    start = time.perf_counter()
    total = int(rate * seconds)
    next_sample = start
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queues[i % connections].put_nowait(due)
        if server is not None and time.perf_counter() >= next_sample:
            rss.append(server_rss(server))
            next_sample += 10
    for q in queues:
        q.put_nowait(None)
    await asyncio.gather(*tasks)
    return latencies, rss


def server_rss(server: ServerProcess) -> float:
    assert server.process is not None
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ceiling(count: int) -> float:
    messages = [dft(f"T{i:09d}", i) for i in range(count)]
    started = time.perf_counter()
    for raw in messages:
        tokenize(raw)
    return count / (time.perf_counter() - started)


async def run(args: argparse.Namespace) -> None:
    tokenizer_rate = ceiling(20_000)
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp))
        server.start()
        try:
            await closed_loop(server.mllp_port, 8, 1000)  # warm-up
            rows = []
            for n in (1, 8, 32):
                rate, lat = await closed_loop(server.mllp_port, n, args.messages)
                rows.append((f"closed loop, {n} connection(s)", rate, lat))
            lat, _ = await open_loop(server.mllp_port, 8, 1000.0, 10)
            rows.append(("open loop 1,000 msg/s, 8 connections, 10 s", 1000.0, lat))
            rss: list[float] = []
            if args.duration:
                lat, rss = await open_loop(server.mllp_port, 8, 1000.0, args.duration, server)
                rows.append((f"open loop 1,000 msg/s for {args.duration} s", 1000.0, lat))
        finally:
            server.stop()
    print(f"bare tokenizer ceiling: {tokenizer_rate:,.0f} messages/s (one core, same messages)\n")
    print("| MLLP end to end | messages/s | of tokenizer ceiling | p50 ms | p99 ms | p99.9 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, rate, lat in rows:
        print(
            f"| {name} | {rate:,.0f} | {rate / tokenizer_rate:.3f} | {pct(lat, 0.5):.2f} | {pct(lat, 0.99):.2f} "
            f"| {pct(lat, 0.999):.2f} |"
        )
    if rss:
        print(f"\nserver RSS every 10 s (MB): {', '.join(f'{r:.0f}' for r in rss)}")
    print(f"\ncpus: {os.cpu_count()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=0, help="steady-state seconds for the memory check")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
