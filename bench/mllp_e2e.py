"""HL7 v2 over MLLP end to end, with every figure set against ceilings measured in the same run.

    .venv/bin/python bench/mllp_e2e.py [--messages 20000] [--minutes 0] [--write]

One run measures, on 1.3 KB DFT^P03 messages (bench/messages.py):

* parse: our tokenizer (+ 15 billing fields) vs python-hl7 ``hl7.parse`` (bench/hl7v2_parse.py), CPU time,
  best of five rounds of each, alternating;
* ceilings: the bare tokenizer (one core); bare ``sqlite3`` inserts of the same bytes, 32 per commit;
  and a raw MLLP echo server (our framing decoder and a fixed ACK, no storage) driven by the same client
  with the same connection counts, i.e. what the client, the loopback and the event loop allow now;
* a real ``revcycle serve`` subprocess (temporary SQLite store, WAL, synchronous=FULL; the worker in its
  own process, so processing competes for the same 2 cores, as in production): closed loop with 1, 8
  and 32 persistent connections (32: ``--repeat`` runs, default 3, the median one reported; messages/s,
  ACK latency p50/p99/p99.9, CPU per message of the edge process, of the worker process and of the
  client), and an open loop at 1,000 messages/s for 10 s;
* the worker: CPU per processed message over the whole run, and its rate while draining the backlog
  left by the closed loops with the edge idle;
* ``--minutes N``: a steady 1,000 messages/s for N minutes, the RSS of the edge and of the worker process
  sampled every 10 s, and the trend after a warm-up minute (MB per minute, least squares).

The machine is shared, so wall-clock rates move between runs; CPU per message and the ratios to the
ceilings measured in the same run are the figures to compare. ``--write`` stores the report in
bench/results/mllp.md (``--deferred``: mllp-deferred.md; ``--processes N``: MLLP edge processes, the
server's own listener and N - 1 more on the same port, adds ``-Np`` to the name; their CPU and RSS are
counted as the edge's; ``--cpu-affinity split``: the server's ``REVCYCLE_CPU_AFFINITY``, adds ``-split``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import hl7v2_parse  # noqa: E402
from append_ack import sqlite_ceiling  # noqa: E402
from messages import dft  # noqa: E402
from tests.e2e.server import ServerProcess, free_port  # noqa: E402

from revcycle.adapters.formats.hl7v2.tokenizer import tokenize  # noqa: E402
from revcycle.adapters.mllp.framing import Frame, MllpDecoder, encode  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "mllp.md"
ECHO_ACK = encode(b"MSH|^~\\&|R|R|S|S|20261122000000||ACK^P03^ACK|1|P|2.5.1\rMSA|CA|1\r")
TICK = os.sysconf("SC_CLK_TCK")

try:
    import uvloop
except ImportError:  # optional: the `fast` extra
    uvloop = None

counter = itertools.count()


def message(prefix: str = "M") -> bytes:
    n = next(counter)
    return encode(dft(f"{prefix}{n:010d}", n % 10_000_000))  # no accidental duplicate charges


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


# --- processes -----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def spawned(server_pid: int, count: int, timeout: float = 20.0) -> list[int]:
    """The server's ``count`` children started by multiprocessing (not its resource tracker), oldest
    first: the worker process (started first) and the extra MLLP edge processes."""
    deadline = time.monotonic() + timeout
    found: list[int] = []
    while time.monotonic() < deadline:
        found = []
        tasks = Path(f"/proc/{server_pid}/task").glob("*/children")  # any thread may have started one
        for child in {pid for task in tasks for pid in task.read_text().split()}:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                found.append(int(child))
        if len(found) >= count:
            break
        time.sleep(0.2)
    return sorted(
        found, key=lambda pid: int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    )


class Cpu:
    """CPU seconds used by the edge (the server and its MLLP edge processes), the worker and this
    client between ``start`` and ``stop``."""

    def __init__(self, edge: int | list[int], worker: int | None) -> None:
        self.edge = edge if isinstance(edge, list) else [edge]
        self.worker = worker

    def sample(self) -> tuple[float, float, float]:
        return (
            sum(cpu_seconds(pid) for pid in self.edge),
            cpu_seconds(self.worker) if self.worker else 0.0,
            time.process_time(),
        )

    async def measure(self, run: Awaitable[Any]) -> tuple[Any, tuple[float, float, float]]:
        before = self.sample()
        result = await run
        after = self.sample()
        return result, (after[0] - before[0], after[1] - before[1], after[2] - before[2])


# --- client --------------------------------------------------------------------------------------


class Sender(asyncio.Protocol):
    """One client connection: sends a framed message and waits for the framed answer (one at a time,
    as an interface does). A protocol rather than streams: the load generator shares the machine's two
    cores with the server, so the less it takes per message, the more of them the figures describe."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[bytes] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not an asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\x1c\x0d")
        if end >= 0 and self.waiter is not None and not self.waiter.done():
            answer = bytes(self.buffer[: end + 2])
            del self.buffer[: end + 2]
            self.waiter.set_result(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the server closed the connection"))

    async def send(self, framed: bytes) -> bytes:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(framed)
        return await self.waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(port: int) -> Sender:
    _, sender = await asyncio.get_running_loop().create_connection(Sender, "127.0.0.1", port)
    return sender


def accepted(ack: bytes) -> None:
    if b"MSA|AA|" not in ack and b"MSA|CA|" not in ack:
        raise SystemExit(f"not accepted: {ack[:200]!r}")


async def closed_loop(port: int, connections: int, total: int, prefix: str) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = [total]

    framed = [message(prefix) for _ in range(total)]  # built before the clock starts
    framed.reverse()

    async def sender() -> None:
        connection = await connect(port)
        while remaining[0] > 0:
            remaining[0] -= 1
            next_message = framed.pop()
            t0 = time.perf_counter()
            accepted(await connection.send(next_message))
            latencies.append(time.perf_counter() - t0)
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(connections)))
    return total / (time.perf_counter() - started), latencies


async def open_loop(
    port: int,
    connections: int,
    rate: float,
    seconds: float,
    sample: Callable[[float], None] | None = None,
) -> tuple[list[float], int]:
    """Messages due every 1/rate s, spread over the connections; latency counts from the due time, so a
    server that falls behind shows it. Stops ``seconds`` (+5 s of grace) after the start even when the
    server is behind: returns the latencies and how many due messages were never sent."""
    latencies: list[float] = []
    queues: list[asyncio.Queue[float | None]] = [asyncio.Queue() for _ in range(connections)]
    start = time.perf_counter()
    stop_at = start + seconds + 5.0
    skipped = [0]

    async def sender(queue: asyncio.Queue[float | None]) -> None:
        connection = await connect(port)
        while (due := await queue.get()) is not None:
            if time.perf_counter() > stop_at:
                skipped[0] += 1
                continue
            accepted(await connection.send(message("O")))
            latencies.append(time.perf_counter() - due)
        connection.close()

    tasks = [asyncio.create_task(sender(q)) for q in queues]
    next_sample = start
    for i in range(int(rate * seconds)):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queues[i % connections].put_nowait(due)
        if sample is not None and time.perf_counter() >= next_sample:
            sample(time.perf_counter() - start)
            next_sample += 10
    for q in queues:
        q.put_nowait(None)
    await asyncio.gather(*tasks)
    return latencies, skipped[0]


# --- ceilings ------------------------------------------------------------------------------------


def tokenizer_rate(count: int = 20_000) -> float:
    messages = [dft(f"T{i:09d}", i) for i in range(count)]
    started = time.process_time()
    for raw in messages:
        tokenize(raw)
    return count / (time.process_time() - started)


async def echo_server(port: int) -> None:
    """The MLLP ceiling: our framing decoder and a fixed ACK per frame, nothing stored."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        decoder = MllpDecoder()
        while data := await reader.read(65536):
            for event in decoder.feed(data):
                if isinstance(event, Frame):
                    writer.write(ECHO_ACK)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def run_loop(main: Awaitable[Any]) -> Any:
    if uvloop is not None:
        return uvloop.run(main)  # type: ignore[arg-type]
    return asyncio.run(main)  # type: ignore[arg-type]


async def wait_port(port: int) -> None:
    for _ in range(200):
        try:
            (await connect(port)).close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise SystemExit("echo server did not start")


# --- the run -------------------------------------------------------------------------------------


def backlog(db: Path) -> tuple[int, int]:
    """(unprocessed, processed) messages in the server's store, read-only (WAL readers do not block)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = dict(conn.execute("SELECT status, count(*) FROM inbound_messages GROUP BY status").fetchall())
    finally:
        conn.close()
    return rows.get("accepted", 0) + rows.get("failed", 0), rows.get("processed", 0)


def trend(samples: list[tuple[float, float]], warmup: float) -> float:
    """Least-squares slope in MB per minute of (seconds, MB) samples after ``warmup`` seconds."""
    points = [(t / 60, mb) for t, mb in samples if t >= warmup]
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_m = sum(m for _, m in points) / len(points)
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (m - mean_m) for t, m in points) / var if var else 0.0


async def measure(args: argparse.Namespace, out: list[str]) -> None:
    load_before = os.getloadavg()
    out.append(f"load average at start: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}\n")

    # Five rounds of each, alternating, best of each: the machine's speed drifts, and timing one after
    # the other moved the ratio by up to 2x when it drifted between the two.
    their_message = hl7v2_parse._for_python_hl7(hl7v2_parse.DFT_P03)
    ours_rates, theirs_rates = [], []
    for _ in range(5):
        ours_rates.append(hl7v2_parse.rate(hl7v2_parse.ours, [hl7v2_parse.DFT_P03], 0.2))
        theirs_rates.append(hl7v2_parse.rate(hl7v2_parse.theirs, [their_message], 0.2))
    ours, theirs = max(ours_rates), max(theirs_rates)
    tokenizer = tokenizer_rate()
    with tempfile.TemporaryDirectory() as tmp:
        raw = [dft(f"C{i:09d}", i % 5000) for i in range(10_000)]
        sqlite_32 = sqlite_ceiling(Path(tmp) / "ceiling.db", raw, 32)
    out += [
        "| parse (one core, CPU time, best of 5 alternating rounds) | messages/s |",
        "| --- | ---: |",
        f"| ours: parse + 15 billing fields (bench/hl7v2_parse.py DFT^P03) | {ours:,.0f} |",
        f"| python-hl7 `hl7.parse`, same message | {theirs:,.0f} |",
        f"| ratio | **{ours / theirs:.1f}x** |",
        f"| ceiling: bare tokenizer on the bench messages | {tokenizer:,.0f} |",
        f"| ceiling: bare sqlite3 insert of the same bytes, 32 rows per commit | {sqlite_32:,.0f} |",
        "",
    ]

    echo_port = free_port()
    echo = subprocess.Popen([sys.executable, __file__, "--echo-server", str(echo_port)])
    counts = {1: max(500, args.messages // 10), 8: args.messages // 2, 32: args.messages}
    try:
        await wait_port(echo_port)
        ceilings: dict[int, tuple[float, list[float], tuple[float, float, float]]] = {}
        echo_cpu = Cpu(echo.pid, None)
        for n, count in counts.items():
            (rate, lat), cpu = await echo_cpu.measure(closed_loop(echo_port, n, count, "E"))
            ceilings[n] = (rate, lat, cpu)
    finally:
        echo.terminate()
        echo.wait(10)

    with tempfile.TemporaryDirectory() as tmp:
        # --deferred: no worker (REVCYCLE_WORKERS=false), so the figures are the MLLP path the issue names
        # (framing, parse, durable commit, ACK) with processing deferred, as during a burst.
        env = {"REVCYCLE_MLLP_PROCESSES": str(args.processes), "REVCYCLE_CPU_AFFINITY": args.cpu_affinity}
        if args.deferred:
            env["REVCYCLE_WORKERS"] = "false"
        server = ServerProcess(Path(tmp), env=env)
        server.start()
        assert server.process is not None
        children = spawned(server.process.pid, args.processes - 1 + (0 if args.deferred else 1))
        worker = None if args.deferred else children.pop(0)
        cpu = Cpu([server.process.pid, *children], worker)
        db = Path(tmp) / "revcycle.db"
        try:
            await closed_loop(server.mllp_port, 8, 1000, "W")  # warm-up
            worker_start = cpu.sample()[1]
            _, processed_start = backlog(db)
            rows = []
            repeats: list[float] = []
            for n, count in counts.items():
                runs = []  # the 32-connection loop --repeat times: its row is the median run by rate
                for attempt in range(args.repeat if n == 32 else 1):
                    (rate, lat), used = await cpu.measure(
                        closed_loop(server.mllp_port, n, count, f"N{n}-{attempt}-")
                    )
                    runs.append((rate, lat, used))
                if n == 32:
                    repeats = [rate for rate, _, _ in runs]
                runs.sort(key=lambda run: run[0])
                rate, lat, used = runs[len(runs) // 2]
                rows.append((n, count, rate, lat, used))
            (open_lat, open_skipped), open_used = await cpu.measure(
                open_loop(server.mllp_port, 8, 1000.0, 10)
            )

            # The worker, alone now: drain what the loops left behind.
            drain_from = time.perf_counter()
            cpu.sample()[1]
            left, processed_before = backlog(db)
            while left and not args.deferred:
                await asyncio.sleep(1.0)
                left, _processed_now = backlog(db)
                if time.perf_counter() - drain_from > args.drain_limit:
                    break
            drain_seconds = time.perf_counter() - drain_from
            _, processed_after = backlog(db)
            worker_after = cpu.sample()[1]
            drained = processed_after - processed_before
            worker_total_cpu = worker_after - worker_start
            worker_total = processed_after - processed_start

            memory: list[tuple[float, float, float]] = []
            long_lat: list[float] = []
            long_skipped = long_backlog = long_processed = 0
            if args.minutes:

                def sample(elapsed: float) -> None:
                    memory.append(
                        (elapsed, sum(rss_mb(pid) for pid in cpu.edge), rss_mb(worker) if worker else 0.0)
                    )

                long_lat, long_skipped = await open_loop(
                    server.mllp_port, 8, 1000.0, args.minutes * 60, sample
                )
                sample(args.minutes * 60)
                long_backlog, long_processed = backlog(db)
        finally:
            server.stop()

    out += [
        "| MLLP, closed loop | messages | messages/s | of echo ceiling | p50 ms | p99 ms | p99.9 ms "
        "| edge CPU us/msg | worker CPU meanwhile (s) | client CPU us/msg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, _count in counts.items():
        rate, lat, used = ceilings[n]
        out.append(
            f"| ceiling: raw MLLP echo, {n} connection(s) | {_count:,} | {rate:,.0f} | 1.00 | {pct(lat, 0.5):.2f} "
            f"| {pct(lat, 0.99):.2f} | {pct(lat, 0.999):.2f} | {used[0] / _count * 1e6:.0f} | | "
            f"{used[2] / _count * 1e6:.0f} |"
        )
    label = "revcycle serve, processing deferred" if args.deferred else "revcycle serve"
    if args.processes > 1:
        label += f", {args.processes} MLLP processes"
    if args.cpu_affinity != "off":
        label += f", cpu_affinity={args.cpu_affinity}"
    for n, count, rate, lat, used in rows:
        out.append(
            f"| {label}, {n} connection(s) | {count:,} | {rate:,.0f} | {rate / ceilings[n][0]:.2f} "
            f"| {pct(lat, 0.5):.2f} | {pct(lat, 0.99):.2f} | {pct(lat, 0.999):.2f} | {used[0] / count * 1e6:.0f} "
            f"| {used[1]:.1f} | {used[2] / count * 1e6:.0f} |"
        )
    out += [
        "",
        f"32 connections, {len(repeats)} runs back to back (the row above is the median run): "
        + ", ".join(f"{rate:,.0f}" for rate in repeats)
        + f" msg/s; median {sorted(repeats)[len(repeats) // 2]:,.0f}",
    ]
    out += [
        "",
        "| MLLP, open loop (latency from the due time) | acknowledged | not sent in time | p50 ms | p99 ms "
        "| p99.9 ms | max ms | edge CPU us/msg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| 1,000 msg/s over 8 connections, 10 s | {len(open_lat):,} | {open_skipped:,} | {pct(open_lat, 0.5):.2f} "
        f"| {pct(open_lat, 0.99):.2f} | {pct(open_lat, 0.999):.2f} | {max(open_lat) * 1000:.2f} "
        f"| {open_used[0] / max(len(open_lat), 1) * 1e6:.0f} |",
    ]
    if long_lat:
        out.append(
            f"| 1,000 msg/s over 8 connections, {args.minutes:g} min | {len(long_lat):,} | {long_skipped:,} "
            f"| {pct(long_lat, 0.5):.2f} | {pct(long_lat, 0.99):.2f} | {pct(long_lat, 0.999):.2f} "
            f"| {max(long_lat) * 1000:.2f} | |"
        )
    drain_rate = drained / drain_seconds if drain_seconds else 0.0
    out += [
        "",
        "| worker (DFT^P03: parse, map, patient, 2 charges, duplicate findings, commit) | figure |",
        "| --- | ---: |",
        f"| CPU per processed message, whole run ({worker_total:,} messages) "
        f"| {worker_total_cpu / max(worker_total, 1) * 1e6:,.0f} us |",
        f"| rate while draining the backlog alone ({drained:,} messages in {drain_seconds:.1f} s) "
        f"| {drain_rate:,.0f} msg/s |",
        f"| of the bare tokenizer ceiling | {drain_rate / tokenizer:.3f} |",
        f"| backlog left after the drain limit ({args.drain_limit:.0f} s) | {left:,} |",
    ]
    if memory:
        warmup = min(60.0, args.minutes * 60 / 5)
        edge_trend = trend([(t, e) for t, e, _ in memory], warmup)
        worker_trend = trend([(t, w) for t, _, w in memory], warmup)
        out += [
            "",
            f"RSS every 10 s over {args.minutes} min at 1,000 msg/s (MB; edge / worker):",
            "",
            ", ".join(f"{e:.0f}/{w:.0f}" for _, e, w in memory),
            "",
            f"trend after a warm-up of {warmup:.0f} s: edge {edge_trend:+.2f} MB/min, worker {worker_trend:+.2f} MB/min; "
            f"first/last after warm-up: edge {next(e for t, e, _ in memory if t >= warmup):.0f} -> "
            f"{memory[-1][1]:.0f} MB, worker {next(w for t, _, w in memory if t >= warmup):.0f} -> "
            f"{memory[-1][2]:.0f} MB; backlog at the end {long_backlog:,} "
            f"(processed {long_processed:,})",
        ]
    load_after = os.getloadavg()
    out += [
        "",
        f"load average at the end: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
        f"cpus: {os.cpu_count()}; event loop: {'uvloop ' + uvloop.__version__ if uvloop else 'asyncio'}; "
        f"Python {platform.python_version()}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20_000, help="messages for the 32-connection loop")
    parser.add_argument("--minutes", type=float, default=0, help="memory run at 1,000 msg/s (0: skip)")
    parser.add_argument("--drain-limit", type=float, default=300, help="seconds to wait for the worker")
    parser.add_argument("--write", action="store_true", help="write bench/results/mllp.md")
    parser.add_argument(
        "--deferred", action="store_true", help="serve without a worker (processing deferred)"
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="MLLP edge processes (REVCYCLE_MLLP_PROCESSES)"
    )
    parser.add_argument(
        "--cpu-affinity",
        choices=("off", "split"),
        default="off",
        help="REVCYCLE_CPU_AFFINITY for the server (split: the server process on one CPU, the worker and "
        "further MLLP processes on the others; adds -split to the results file's name)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of the 32-connection loop; its row is the median run (a run lasts seconds, and the "
        "machine's speed moves between them)",
    )
    parser.add_argument("--echo-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_server:
        run_loop(echo_server(args.echo_server))
        return
    out: list[str] = []
    run_loop(measure(args, out))
    report = "\n".join(out)
    print(report)
    if args.write:
        command = " ".join(["bench/mllp_e2e.py", *sys.argv[1:]])
        target = RESULTS.with_name(
            ("mllp-deferred" if args.deferred else "mllp")
            + (f"-{args.processes}p" if args.processes > 1 else "")
            + ("-split" if args.cpu_affinity == "split" else "")
            + ".md"
        )
        title = "MLLP end to end, processing deferred (no worker)" if args.deferred else "MLLP end to end"
        target.write_text(
            f"# {title}\n\nDate: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Command: "
            f"`.venv/bin/python {command}`. Machine: {platform.machine()}, {os.cpu_count()} CPUs, shared "
            "with other work (load average below).\n\n" + report + "\n"
        )


if __name__ == "__main__":
    main()
