"""Finding latency: from a message's acknowledgment to its finding being visible through the API.

    .venv/bin/python bench/finding_latency.py [--rates 100,250,500] [--seconds 20] [--every 20]

Starts ``revcycle serve`` as a subprocess on a temporary SQLite store (worker process on, so edge,
worker, API and this client share the machine's two cores), then for each rate sends an open-loop
stream of HL7 DFT^P03 messages over MLLP (8 connections). Every ``--every``-th message is a *trigger*:
its diagnosis is a code no ICD-10-CM release holds (``X`` + its number), so the invalid-code rule
raises a finding whose ``details.code`` names the trigger. A poller reads ``GET /api/v1/findings?
type=invalid_code&after_id=N`` every 50 ms (incrementally, as an integration syncing findings would);
latency = first seen by the poller - the trigger's MLLP ACK (the ACK comes after the durable append).
A warm-up run (100 msg/s, 3 s) comes first, not reported. Reports the achieved rate, ACK latency and
finding latency percentiles, and how many findings were not seen within 30 s after the stream ended.
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

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.messages import DFT_P03  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402

from revcycle.adapters.mllp.framing import encode  # noqa: E402

POLL = 0.05
counter = itertools.count()
trigger_numbers = itertools.count()


def message(trigger: int | None) -> bytes:
    n = next(counter)
    # A patient per message: the same patient twice with the same charges would be a duplicate charge,
    # and a storm of duplicate findings (and alerts) is another benchmark than clean traffic.
    text = DFT_P03.format(control=f"L{n:010d}", patient=n % 10_000_000)
    if trigger is not None:
        text = text.replace("E11.9^Type 2", f"X{trigger:05d}^Trigger", 1).replace(
            "DG1|1||I10^Essential", f"DG1|1||X{trigger:05d}^Trigger", 1
        )
        # FT1-19 is empty in the template: the charge takes the message's DG1 codes.
    return text.encode()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def stream(port: int, rate: float, seconds: float, every: int, acked: dict[str, float]) -> list[float]:
    connections = 8
    latencies: list[float] = []
    queues: list[asyncio.Queue[tuple[float, bytes, str | None] | None]] = [
        asyncio.Queue() for _ in range(connections)
    ]

    async def worker(queue: asyncio.Queue[tuple[float, bytes, str | None] | None]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (item := await queue.get()) is not None:
            due, raw, code = item
            writer.write(encode(raw))
            await writer.drain()
            ack = await reader.readuntil(b"\x1c\x0d")
            now = time.perf_counter()
            assert b"MSA|AA|" in ack or b"MSA|CA|" in ack, ack[:200]
            latencies.append(now - due)
            if code is not None:
                acked[code] = time.time()
        writer.close()

    tasks = [asyncio.create_task(worker(q)) for q in queues]
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        # Trigger numbers are unique across runs: a code seen in an earlier run's findings must not
        # count as this run's finding (it would show as zero latency).
        trigger = next(trigger_numbers) if i % every == 0 else None
        code = f"X{trigger:05d}" if trigger is not None else None
        queues[i % connections].put_nowait((due, message(trigger), code))
    for q in queues:
        q.put_nowait(None)
    await asyncio.gather(*tasks)
    return latencies


async def poll(url: str, headers: dict[str, str], seen: dict[str, float], stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10, headers=headers) as client:
        after = 0
        while not stop.is_set():
            params = {"type": "invalid_code", "limit": 1000, "after_id": after}
            response = await client.get("/api/v1/findings", params=params)
            response.raise_for_status()  # an unauthorized poller would otherwise look like lost findings
            now = time.time()
            for item in response.json().get("items", []):
                after = max(after, item["id"])
                code = (item.get("details") or {}).get("code")
                if code and code.startswith("X") and code not in seen:
                    seen[code] = now
            await asyncio.sleep(POLL)


async def one_rate(server: ServerProcess, rate: float, seconds: float, every: int) -> dict[str, float]:
    acked: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = asyncio.Event()
    poller = asyncio.create_task(poll(server.url, server.headers, seen, stop))
    started = time.perf_counter()
    ack_latencies = await stream(server.mllp_port, rate, seconds, every, acked)
    achieved = len(ack_latencies) / (time.perf_counter() - started)
    deadline = time.time() + 30
    while time.time() < deadline and not set(acked) <= set(seen):
        await asyncio.sleep(POLL)
    stop.set()
    await poller
    latencies = [max(0.0, seen[code] - acked[code]) for code in acked if code in seen]
    return {
        "rate": rate,
        "achieved": achieved,
        "ack_p50": pct(ack_latencies, 0.5),
        "ack_p99": pct(ack_latencies, 0.99),
        "triggers": len(acked),
        "p50": pct(latencies, 0.5),
        "p99": pct(latencies, 0.99),
        "max": pct(latencies, 1.0),
        "missing": len(set(acked) - set(seen)),
    }


async def run(args: argparse.Namespace) -> list[dict[str, float]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp))
        server.start()
        try:
            await one_rate(server, 100, 3, args.every)  # warm-up, not reported: code sets load on first use
            for rate in args.rates:
                global counter
                counter = itertools.count(next(counter) + 1_000_000)
                rows.append(await one_rate(server, rate, args.seconds, args.every))
        finally:
            server.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--rates", type=lambda s: [float(x) for x in s.split(",")], default=[100.0, 250.0, 500.0]
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--every", type=int, default=20, help="one trigger message in this many")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows = asyncio.run(run(args))
    print(
        f"load average at the start: {load:.1f}; cpus: {os.cpu_count()}; poll interval {POLL * 1000:.0f} ms\n"
    )
    print(
        "| offered msg/s | achieved msg/s | ACK p50 ms | ACK p99 ms | triggers | finding p50 ms | finding p99 ms "
        "| max ms | not seen in 30 s |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['rate']:.0f} | {r['achieved']:.0f} | {r['ack_p50']:.1f} | {r['ack_p99']:.1f} | {r['triggers']:.0f} "
            f"| {r['p50']:.0f} | {r['p99']:.0f} | {r['max']:.0f} | {r['missing']:.0f} |"
        )


if __name__ == "__main__":
    main()
