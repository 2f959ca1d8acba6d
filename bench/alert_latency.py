"""Alert latency: from the triggering message's acknowledgment to the alert arriving at a webhook.

    .venv/bin/python bench/alert_latency.py [--rate 500] [--seconds 20] [--every 50] [--connections 16]

Starts ``revcycle serve`` as a subprocess on a temporary SQLite store (worker process on, alerting
thread polling every 0.1 s) with an alert rule on ``missing_charge_code`` findings delivered to a real
HTTP webhook receiver on loopback (HMAC-signed JSON). Sends an open loop of DFT^P03 messages over MLLP
at ``--rate`` messages/s; every ``--every``-th message has a charge line without a procedure code
(FT1-25), which the charge rules turn into a finding and the alert rule into a webhook call. For each
trigger: latency = webhook arrival - ACK received by the sender (same clock, same process). Also
reports, for the triggers, the server's receipt-to-processed time (the worker's share of the delay).
Prints a Markdown table; record it in bench/results/alerts.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from bench.messages import dft  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402
from tests.receivers import webhook_receiver  # noqa: E402

from revcycle.adapters.mllp.framing import encode  # noqa: E402

RULES = """
[channels.bench]
type = "webhook"
url = "{url}"
secret = "bench-secret"

[[rules]]
name = "missing-codes"
kind = "finding"
types = ["missing_charge_code"]
channels = ["bench"]
max_alerts = 0  # every trigger is measured: no flood limit
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def row(name: str, values: list[float]) -> None:
    top = max(values, default=0.0) * 1000
    cells = " | ".join(f"{v:.0f}" for v in (pct(values, 0.5), pct(values, 0.95), pct(values, 0.99), top))
    print(f"| {name} | {len(values)} | {cells} |")


def trigger(control: str, patient: int) -> bytes:
    """A DFT whose second charge line has no procedure code: FT1-25 empty and FT1-7 a local
    chargemaster item (not a CPT code the mapping could fall back on)."""
    raw = dft(control, patient).replace(b"||||93000^ECG^CPT\r", b"||||\r")
    return raw.replace(b"93000^ECG complete^CPT", b"ECG-LOCAL^ECG complete^L")


async def open_loop(
    port: int, rate: float, seconds: float, every: int, connections: int, prefix: str = "A"
) -> tuple[dict[str, float], list[float], float]:
    """Send at ``rate``; returns {trigger control id: ACK arrival (time.time())}, all ACK latencies, and
    the achieved rate."""
    acked: dict[str, float] = {}
    latencies: list[float] = []
    counter = itertools.count()
    queues: list[asyncio.Queue[tuple[float, int] | None]] = [asyncio.Queue() for _ in range(connections)]

    async def worker(queue: asyncio.Queue[tuple[float, int] | None]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (item := await queue.get()) is not None:
            due, n = item
            control = f"{prefix}{n:010d}"
            patient = n + (5_000_000 if prefix == "W" else 0)  # warm-up patients apart: no duplicates
            raw = trigger(control, patient) if n % every == every - 1 else dft(control, patient)
            writer.write(encode(raw))
            await writer.drain()
            ack = await reader.readuntil(b"\x1c\x0d")
            now = time.time()
            latencies.append(time.perf_counter() - due)
            if b"MSA|AA|" not in ack and b"MSA|CA|" not in ack:
                raise RuntimeError(f"not accepted: {ack[:120]!r}")
            if n % every == every - 1:
                acked[control] = now
        writer.close()

    tasks = [asyncio.create_task(worker(q)) for q in queues]
    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queues[i % connections].put_nowait((due, next(counter)))
    for q in queues:
        q.put_nowait(None)
    await asyncio.gather(*tasks)
    return acked, latencies, total / (time.perf_counter() - start)


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, webhook_receiver() as hook:
        rules = Path(tmp) / "alerts.toml"
        rules.write_text(RULES.format(url=hook.url))
        server = ServerProcess(
            Path(tmp) / "data",
            env={"REVCYCLE_ALERT_RULES": str(rules), "REVCYCLE_ALERT_POLL_SECONDS": str(args.poll)},
        )
        server.start()
        try:
            # Warm-up (not measured): the worker's code sets load on first use, the alerting opens its
            # first alerts; wait until those arrived, then forget them.
            warm, _, _ = await open_loop(server.mllp_port, 100, 3, args.every, args.connections, "W")
            deadline = time.monotonic() + 60
            while len(hook.received) < len(warm) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            hook.received.clear()
            cpu0 = os.times()
            acked, ack_latencies, achieved = await open_loop(
                server.mllp_port, args.rate, args.seconds, args.every, args.connections
            )
            deadline = time.monotonic() + 120
            while len(hook.received) < len(acked) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            cpu1 = os.times()
            by_correlation = {r.json()["correlation_id"]: r.at for r in hook.received}
            latencies, processing, alerting, missing = [], [], [], 0
            with httpx.Client(base_url=server.url, timeout=10, headers=server.headers) as client:
                for control, acked_at in acked.items():
                    found = client.get("/api/v1/messages", params={"control_id": control}).json()["items"]
                    arrived = by_correlation.get(found[0]["correlation_id"]) if found else None
                    if arrived is None:
                        missing += 1
                        continue
                    latencies.append(arrived - acked_at)
                    if found[0]["processed_at"]:
                        done = datetime.fromisoformat(found[0]["processed_at"])
                        got = datetime.fromisoformat(found[0]["received_at"])
                        processing.append((done - got).total_seconds())
                        alerting.append(arrived - done.timestamp())
        finally:
            server.stop()
    load = os.getloadavg()[0]
    print(
        f"offered {args.rate:.0f} msg/s for {args.seconds:.0f} s over {args.connections} MLLP connections "
        f"(achieved {achieved:.0f} msg/s), 1 trigger in {args.every}, alert poll {args.poll} s, load {load:.1f}, "
        f"bench-process CPU {cpu1.user - cpu0.user + cpu1.system - cpu0.system:.1f} s"
    )
    print()
    print("| measure | n | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    row("ACK -> webhook received (alert latency)", latencies)
    row("receipt -> processed (triggers, server clock)", processing)
    row("processed -> webhook received (alerting's own share)", alerting)
    row("send -> ACK (all messages)", ack_latencies)
    print()
    print(f"triggers {len(acked)}, alerts received {len(hook.received)}, unmatched {missing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--poll", type=float, default=0.1)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
