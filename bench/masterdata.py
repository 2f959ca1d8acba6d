"""Quarantine of unmapped master data: its cost on the worker, and its score against the simulator's labels.

Run from the repository root::

    .venv/bin/python bench/masterdata.py --days 20 --visits-per-day 60

One simulated network (with its ERP master-data uploads, late departments and payers, and never-mapped
ones) is appended to two fresh SQLite stores in emission order, then each store's worker drains the log,
once with the quarantine gate and once without (``REVCYCLE_QUARANTINE_UNMAPPED=false``). Reported:
worker CPU seconds (``time.process_time``) and messages/s for both (the ratio is the gate's cost), and
recall / precision of the UNMAPPED_MASTER_DATA findings on encounters and claims against the
``unmapped_department`` / ``unmapped_payer`` labels, plus how many held items were replayed.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from revcycle.adapters.formats import masterdata
from revcycle.adapters.store.schema import findings, quarantine
from revcycle.bootstrap import Container, build
from revcycle.service_layer.intake import make_receipt
from revcycle.settings import Settings
from revcycle.simulator import codes
from revcycle.simulator.config import SimConfig
from revcycle.simulator.engine import Simulation

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "codesets"


def simulate(days: int, visits: int, seed: int) -> tuple[list[bytes], list[dict[str, Any]]]:
    simulation = Simulation(SimConfig(seed=seed, days=days, visits_per_day=visits), codes.load(SHARED))
    payloads: list[bytes] = []
    labels: list[dict[str, Any]] = []
    for day in simulation.days():
        labels.extend(day.labels)
        for e in day.emissions:
            if e.format == "masterdata" and e.extension == "csv" and e.kind:
                payloads.append(masterdata.from_csv(e.kind, e.payload.decode()))
            else:
                payloads.append(e.payload)
    return payloads, labels


def run(folder: Path, payloads: list[bytes], gate: bool) -> tuple[Container, float, float, int]:
    container = build(Settings(data_dir=folder, workers=False, mllp_enabled=False, quarantine_unmapped=gate))
    identify = container.formats.identify
    receipts = [make_receipt(raw, interface="bench", transport="file", identify=identify) for raw in payloads]
    for start in range(0, len(receipts), 500):
        container.inbound_log.append_batch(receipts[start : start + 500])
    cpu, wall = time.process_time(), time.perf_counter()
    processed = container.worker.drain()
    return container, time.process_time() - cpu, time.perf_counter() - wall, processed


def score(container: Container, labels: list[dict[str, Any]]) -> dict[str, Any]:
    expected = {
        ("encounter", x["visit_number"], x["department_code"])
        for x in labels
        if x.get("anomaly") == "unmapped_department"
    } | {("claim", x["pcn"], x["payer_id"]) for x in labels if x.get("anomaly") == "unmapped_payer"}
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(
                findings.c.subject_kind, findings.c.subject_id, findings.c.details, findings.c.status
            ).where(findings.c.type == "unmapped_master_data")
        ).all()
        statuses = dict(
            conn.execute(select(quarantine.c.status, func.count()).group_by(quarantine.c.status)).all()
        )
    found = {
        (r.subject_kind, r.subject_id, r.details["code"]) for r in rows if r.subject_kind != "appointment"
    }
    hit = len(found & expected)
    return {
        "labels": len(expected),
        "findings (encounter, claim)": len(found),
        "findings on appointments (no label)": sum(1 for r in rows if r.subject_kind == "appointment"),
        "recall": hit / len(expected) if expected else 1.0,
        "precision": hit / len(found) if found else 1.0,
        "resolved findings": sum(1 for r in rows if r.status == "resolved"),
        "quarantine rows": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--visits-per-day", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    payloads, labels = simulate(args.days, args.visits_per_day, args.seed)
    print(
        f"{len(payloads)} messages, {len(labels)} labels; {platform.python_version()}, load {os.getloadavg()[0]:.1f}"
    )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for gate in (False, True, False, True):
            container, cpu, wall, processed = run(Path(tmp) / f"{gate}-{time.monotonic_ns()}", payloads, gate)
            results.setdefault(gate, []).append((cpu, wall, processed))
            if gate:
                scored = score(container, labels)
            container.engine.dispose()
    print("| worker | CPU s (best of 2) | messages/s (CPU) | wall s |")
    print("| --- | ---: | ---: | ---: |")
    for gate, runs in sorted(results.items()):
        cpu, wall, processed = min(runs)
        name = "with the quarantine gate" if gate else "without (REVCYCLE_QUARANTINE_UNMAPPED=false)"
        print(f"| {name} | {cpu:.2f} | {processed / cpu:,.0f} | {wall:.2f} |")
    ratio = min(results[True])[0] / min(results[False])[0]
    print(f"gate CPU cost: x{ratio:.3f}")
    for key, value in scored.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
