"""ERP posting benchmark: 835 remittances offered at a fixed rate of claim payments through the real
pipeline (edge append = the remittance's acknowledgment, worker, journal builder, REST poster, the
ERP emulator over loopback HTTP), on a temporary SQLite store.

Reports:

* latency from remittance acknowledged (the 835's durable append) to journal acknowledged by the ERP,
  per claim payment: p50 / p99 / max (goal: p99 <= 1 s at 500 remittance claims/s);
* the posting leg's throughput on a backlog: journal lines and transactions posted per second (builder
  and poster only, wall and CPU of this process; the emulator runs in its own), at both levels.

Usage: ``PYTHONPATH=. .venv/bin/python bench/erp_posting.py [--claims 2000] [--rates 100,500] [--per-835 25]``
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from tests.integration.erp.seed import run

from revcycle.adapters.store.schema import claim_payments, erp_items, erp_journals, inbound_messages
from revcycle.bootstrap import build, build_erp
from revcycle.domain import commands as c
from revcycle.domain.claims import Claim, ClaimKind, ClaimLine
from revcycle.domain.master_data import Facility, Payer, PayerClass
from revcycle.entrypoints.worker_process import WorkerProcess
from revcycle.service_layer.intake import make_receipt
from revcycle.settings import Settings

NPI = "1234567893"
DAY = date(2026, 1, 12)
MAPPING = Path(__file__).resolve().parent.parent / "examples" / "gl-mapping.toml"


def _835(index: int, pcns: list[str]) -> bytes:
    """One 835 (005010X221A1) paying each claim 80.00 of 150.00: 50.00 CO-45 and 20.00 PR-1."""
    control = f"{index:09d}"
    segments = [
        f"ISA*00*          *00*          *ZZ*PAY1           *ZZ*REVCYCLE       *260119*1200*^*00501*{control}*0*P*:",
        f"GS*HP*PAY1*REVCYCLE*20260119*1200*{index}*X*005010X221A1",
        "ST*835*0001",
        f"BPR*I*{80 * len(pcns)}.00*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999999999*DA*654321*20260119",
        f"TRN*1*TRACE{index:08d}*1512345678",
        "DTM*405*20260119",
        "N1*PR*PAYER ONE*XV*PAY1",
        f"N1*PE*HOSPITAL*XX*{NPI}",
        "LX*1",
    ]
    for n, pcn in enumerate(pcns):
        segments += [
            f"CLP*{pcn}*1*150.00*80.00*20.00*12*PCC{index:06d}{n:03d}",
            "CAS*CO*45*50.00",
            "CAS*PR*1*20.00",
        ]
    segments.append(f"SE*{len(segments) - 1}*0001")
    segments += [f"GE*1*{index}", f"IEA*1*{control}"]
    return ("~".join(segments) + "~").encode()


def _claims(engine: Engine, count: int, prefix: str = "B") -> list[str]:
    pcns = [f"{prefix}{i:08d}" for i in range(count)]
    run(
        engine,
        c.UpsertMasterData("facility", (Facility("HOSP", "Hospital", npi=NPI, legal_entity="LE1"),)),
        c.UpsertMasterData("payer", (Payer("PAY1", "Payer One", PayerClass.COMMERCIAL),)),
    )
    for start in range(0, count, 1000):
        run(
            engine,
            *(
                c.SubmitClaim(
                    Claim(
                        pcn,
                        ClaimKind.PROFESSIONAL,
                        Decimal("150.00"),
                        payer_id="PAY1",
                        billing_npi=NPI,
                        lines=(ClaimLine(1, "99213", Decimal("150.00"), service_date=DAY),),
                    )
                )
                for pcn in pcns[start : start + 1000]
            ),
        )
    return pcns


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextmanager
def emulator_process(folder: Path) -> Iterator[str]:
    """``revcycle erp-emulator`` in its own process (as an ERP would be), on a free loopback port."""
    log = folder / "emulator.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "revcycle.entrypoints.cli", "erp-emulator", "--port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(400):
            found = re.search(r"listening on (http://\S+)", log.read_text())
            if found:
                yield found.group(1)
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("the ERP emulator did not start")
    finally:
        process.terminate()
        process.wait(10)


def _settled(engine: Engine, items: int, seconds: float) -> None:
    """Wait until ``items`` posting items exist and every journal is acknowledged."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            pending = conn.execute(
                select(func.count()).where(erp_journals.c.status != "acknowledged")
            ).scalar()
            found = conn.execute(select(func.count()).select_from(erp_items)).scalar()
        if pending == 0 and found == items:
            return
        time.sleep(0.1)


def latency_run(
    claims: int, rate: float, per_835: int, level: str, in_process: bool = False, warmup: int = 0
) -> dict[str, float]:
    """The deployment's shape: this process is the edge (appends at the offered rate), the worker runs in
    its own process, the poster is ``revcycle erp post --loop`` and the ERP is the emulator, each a
    process of its own. With ``warmup``, that many claim payments (in 835s of ``per_835``) are posted
    and acknowledged first, outside the measurement: the worker process has started (spawned, imported,
    built) and every path has run once, as in a service already running."""
    with tempfile.TemporaryDirectory() as folder, emulator_process(Path(folder)) as url:
        root = Path(folder)
        settings = Settings(
            db_url=f"sqlite:///{root / 'bench.db'}",
            data_dir=root,
            erp_gl_mapping=MAPPING,
            erp_adapter="rest",
            erp_rest_url=f"{url}/journals",
            erp_summary_level=level,  # type: ignore[arg-type]
            erp_poll_seconds=0.05,
            worker_poll_seconds=0.05,
            log_level="WARNING",
        )
        container = build(settings)
        pcns = _claims(container.engine, claims)
        warm = _claims(container.engine, warmup, prefix="W") if warmup else []
        build_erp(settings, container.engine).builder.run_once(datetime.now(UTC))
        worker = WorkerProcess(settings, container.shared_lock)
        worker.start()
        env = {
            **os.environ,
            **{
                f"REVCYCLE_{k.upper()}": str(v)
                for k, v in settings.model_dump().items()
                if v is not None and k.startswith(("erp_", "db_", "data_", "log_"))
            },
        }
        stop = threading.Event()
        poster: subprocess.Popen[bytes] | threading.Thread
        if in_process:  # a thread of the edge's process, taking the store's write lock on the edge's side
            parts = build_erp(settings, container.engine)
            poster = threading.Thread(
                target=parts.poster.run_forever,
                args=(stop, lambda: datetime.now(UTC)),
                kwargs={"poll_seconds": 0.05, "before_round": parts.builder.run_once},
            )
            poster.start()
        else:
            with (root / "poster.log").open("wb") as out:
                poster = subprocess.Popen(
                    [sys.executable, "-m", "revcycle.entrypoints.cli", "erp", "post", "--loop"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
        engine = container.engine
        warm_files = [warm[i : i + per_835] for i in range(0, len(warm), per_835)]
        for n, batch in enumerate(warm_files):
            receipt = make_receipt(
                _835(n + 1, batch), interface="bench", transport="http", identify=container.formats.identify
            )
            container.inbound_log.append_batch([receipt])
            worker.wakeup.set()
        if warm:
            _settled(engine, 3 * warmup, 120)
        with engine.connect() as conn:
            measured_after = conn.execute(select(func.max(inbound_messages.c.id))).scalar() or 0
        cpu_before = _children_cpu()
        files = [pcns[i : i + per_835] for i in range(0, len(pcns), per_835)]
        interval = per_835 / rate
        began = time.perf_counter()
        for n, batch in enumerate(files):
            wait = began + n * interval - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            receipt = make_receipt(
                _835(len(warm_files) + n + 1, batch),
                interface="bench",
                transport="http",
                identify=container.formats.identify,
            )
            container.inbound_log.append_batch([receipt])
            worker.wakeup.set()
        offered = time.perf_counter() - began
        _settled(engine, 3 * (claims + warmup), 180)
        if isinstance(poster, threading.Thread):
            stop.set()
            poster.join(30)
        else:
            poster.send_signal(signal.SIGTERM)
            poster.wait(30)
        worker.stop()
        cpu = _children_cpu() - cpu_before
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    inbound_messages.c.received_at,
                    claim_payments.c.created_at,
                    erp_journals.c.acknowledged_at,
                )
                .join(erp_items, erp_items.c.message_id == inbound_messages.c.id)
                .join(claim_payments, claim_payments.c.id == erp_items.c.source_id)
                .join(erp_journals, erp_journals.c.id == erp_items.c.journal_id)
                .where(
                    erp_items.c.transaction_type == "payer_payment", inbound_messages.c.id > measured_after
                )
            ).all()
            measured = (
                select(erp_items.c.journal_id)
                .join(inbound_messages, erp_items.c.message_id == inbound_messages.c.id)
                .where(inbound_messages.c.id > measured_after)
            )
            mine = erp_journals.c.id.in_(measured.scalar_subquery())
            lines = conn.execute(select(func.sum(erp_journals.c.line_count)).where(mine)).scalar() or 0
            journals = conn.execute(select(func.count()).where(mine)).scalar() or 0
        container.engine.dispose()
    latencies = [(ack - received).total_seconds() for received, _, ack in rows if ack is not None]
    posting = [(ack - applied).total_seconds() for _, applied, ack in rows if ack is not None]
    return {
        "post_p50": statistics.median(posting),
        "post_p99": _percentile(posting, 0.99),
        "claims": len(latencies),
        "offered_rate": claims / offered,
        "p50": statistics.median(latencies),
        "p99": _percentile(latencies, 0.99),
        "max": max(latencies),
        "journals": journals,
        "lines": lines,
        "children_cpu": cpu,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def backlog_run(claims: int, level: str) -> dict[str, float]:
    """A backlog of remittances already applied; time the builder + poster draining it."""
    with tempfile.TemporaryDirectory() as folder, emulator_process(Path(folder)) as url:
        root = Path(folder)
        settings = Settings(
            db_url=f"sqlite:///{root / 'bench.db'}",
            data_dir=root,
            workers=False,
            erp_gl_mapping=MAPPING,
            erp_adapter="rest",
            erp_rest_url=f"{url}/journals",
            erp_summary_level=level,  # type: ignore[arg-type]
            erp_batch=500,
        )
        container = build(settings)
        pcns = _claims(container.engine, claims)
        receipts = [
            make_receipt(
                _835(n + 1, pcns[i : i + 50]),
                interface="bench",
                transport="file",
                identify=container.formats.identify,
            )
            for n, i in enumerate(range(0, len(pcns), 50))
        ]
        container.inbound_log.append_batch(receipts)
        container.worker.drain()
        parts = build_erp(settings, container.engine)
        now = datetime.now(UTC) + timedelta(seconds=1)
        wall, cpu = time.perf_counter(), time.process_time()
        built = parts.builder.run_once(now)
        build_wall, build_cpu = time.perf_counter() - wall, time.process_time() - cpu
        posted = lines = 0
        while True:
            report = parts.poster.run_once(now)
            posted += report.acknowledged
            lines += report.lines
            if report.sent == 0:
                break
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        container.engine.dispose()
    return {
        "transactions": built.items,
        "journals": posted,
        "lines": lines,
        "wall": wall,
        "cpu": cpu,
        "build_wall": build_wall,
        "build_cpu": build_cpu,
        "lines_per_s": lines / wall,
        "transactions_per_s": built.items / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument(
        "--rates",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[100.0, 500.0],
        help="remittance claim payments per second offered, comma-separated",
    )
    parser.add_argument("--per-835", type=int, default=25, help="claim payments per 835")
    parser.add_argument(
        "--poster",
        choices=("process", "thread"),
        default="process",
        help="the poster as its own process (erp post --loop), or a thread of the edge's process",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=0,
        help="claim payments posted and acknowledged before the measured run (the worker process started "
        "and warm, as in a running service); 0: measure from the worker process's start",
    )
    parser.add_argument("--skip-backlog", action="store_true")
    parser.add_argument("--backlog", type=int, default=4000, help="claims in the backlog runs")
    args = parser.parse_args()
    print(
        f"latency: {args.claims} claim payments per run, {args.per_835} per 835, poster as a {args.poster}, "
        f"{args.warmup} claim payments of warm-up"
    )
    print(
        "| level | claims | offered/s | ack->ack p50 s | p99 s | max s | applied->ack p50 s | p99 s "
        "| journals | lines | worker+poster+ERP CPU s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for level, rate in [("daily", r) for r in args.rates] + [("encounter", max(args.rates))]:
        r = latency_run(args.claims, rate, args.per_835, level, args.poster == "thread", args.warmup)
        print(
            f"| {level} | {r['claims']:.0f} | {r['offered_rate']:.0f} | {r['p50']:.3f} | {r['p99']:.3f} | "
            f"{r['max']:.3f} | {r['post_p50']:.3f} | {r['post_p99']:.3f} | {r['journals']:.0f} | "
            f"{r['lines']:.0f} | {r['children_cpu']:.2f} |"
        )
    if args.skip_backlog:
        return
    print(f"\nbacklog: {args.backlog} claim payments applied, then built and posted")
    print(
        "| level | transactions | journals | lines | wall s | CPU s | build wall s | lines/s | transactions/s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for level in ("daily", "encounter"):
        r = backlog_run(args.backlog, level)
        print(
            f"| {level} | {r['transactions']:.0f} | {r['journals']:.0f} | {r['lines']:.0f} | {r['wall']:.2f} | "
            f"{r['cpu']:.2f} | {r['build_wall']:.2f} | {r['lines_per_s']:.0f} | {r['transactions_per_s']:.0f} |"
        )


if __name__ == "__main__":
    main()
