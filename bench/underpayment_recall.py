"""Underpayment detection scored against the simulator's ground truth, plus how remittance posting fared.

Simulates a provider network to a folder (``revcycle simulate --out``), ingests every file in order into
a fresh SQLite store (edge, worker, handlers: the production path), then compares the underpayment
findings (claim, line) with the simulator's ``underpayment`` labels whose remittance falls inside the
run. Also reports how 835 lines were matched to claim lines, claim payments left unmatched, and the
processing CPU time.

    .venv/bin/python bench/underpayment_recall.py --days 60 --visits-per-day 60 --seed 7
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from revcycle.adapters.formats import masterdata
from revcycle.adapters.store.schema import claims, findings, line_postings
from revcycle.bootstrap import build
from revcycle.service_layer.intake import make_receipt
from revcycle.settings import Settings


def simulate(out: Path, seed: int, days: int, visits: int) -> None:
    """``revcycle simulate --out`` (the same files a user would ingest)."""
    command = [sys.executable, "-m", "revcycle.entrypoints.cli", "simulate", "--out", str(out)]
    command += [
        "--seed",
        str(seed),
        "--days",
        str(days),
        "--visits-per-day",
        str(visits),
        "--layout",
        "daily",
    ]
    subprocess.run(command, check=True, capture_output=True)


CONTRACT_TOLERANCE = 0.50  # what revcycle.simulator.masterdata writes on every contract line


def wire_messages(path: Path) -> list[bytes]:
    """One file as the messages a live feed would send: master-data CSV as its JSON wire form (what
    ``POST /api/v1/master-data/{kind}`` stores), FHIR NDJSON one resource per message."""
    raw = path.read_bytes()
    if path.suffix == ".csv":
        kind = path.stem.split("_MD_")[-1].lower()
        return [masterdata.from_csv(kind, raw.decode("utf-8-sig"))]
    if path.suffix == ".ndjson":
        return [line for line in raw.splitlines() if line.strip()]
    return [raw]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--visits-per-day", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="keep the simulation and store here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        simulate(root / "sim", args.seed, args.days, args.visits_per_day)
        container = build(Settings(data_dir=root / "store", workers=False))
        (root / "store").mkdir(exist_ok=True)
        cpu, wall = time.process_time(), time.monotonic()
        files = sorted(
            (p for p in (root / "sim").rglob("*") if p.is_file() and p.name[:8].isdigit()),
            key=lambda p: p.name,
        )
        messages = [raw for path in files for raw in wire_messages(path)]
        rejected = 0
        for start in range(0, len(messages), 200):
            receipts = [
                make_receipt(raw, interface="bench", transport="file", identify=container.formats.identify)
                for raw in messages[start : start + 200]
            ]
            container.inbound_log.append_batch(receipts)
            rejected += sum(r.rejection is not None for r in receipts)
        processed = container.worker.drain()
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        labels = [json.loads(line) for line in (root / "sim" / "labels.jsonl").read_text().splitlines()]
        with container.engine.connect() as conn:
            pcn = dict(conn.execute(select(claims.c.id, claims.c.patient_control_number)).all())
            # A FHIR Claim carries no line control number: its lines are scored by the simulator's
            # internal id for them, "<pcn>-<line number>".
            found = {
                (
                    pcn.get(int(row.subject_id)),
                    row.details.get("line_control_number")
                    or f"{pcn.get(int(row.subject_id))}-{row.details['line_number']}",
                )
                for row in conn.execute(
                    select(findings.c.subject_id, findings.c.details).where(findings.c.type == "underpayment")
                )
            }
            matches = Counter(m for (m,) in conn.execute(select(line_postings.c.match)))
            unmatched_claims = conn.execute(
                select(findings.c.id).where(
                    findings.c.type == "unmatched_remittance", findings.c.subject_kind == "payment"
                )
            ).all()
    in_run = [x for x in labels if x.get("anomaly") == "underpayment" and x["day"] < args.days]
    truth = {(x["pcn"], x["line_control_number"]) for x in in_run}
    # The simulator's contracts carry a 0.50 tolerance; some of its labels are short by less than that.
    beyond = {
        (x["pcn"], x["line_control_number"])
        for x in in_run
        if round(x["expected_allowed"] - x["paid_allowed"], 2) > CONTRACT_TOLERANCE
    }
    hits = found & truth
    recall = len(hits) / len(truth) if truth else float("nan")
    precision = len(hits) / len(found) if found else float("nan")
    recall_beyond = len(found & beyond) / len(beyond) if beyond else float("nan")
    result = {
        "seed": args.seed,
        "days": args.days,
        "visits_per_day": args.visits_per_day,
        "files": len(files),
        "messages": len(messages),
        "rejected": rejected,
        "processed_messages": processed,
        "underpayment_labels_in_run": len(truth),
        "underpayment_findings": len(found),
        "true_positives": len(hits),
        "recall": round(recall, 4),
        "labels_beyond_contract_tolerance": len(beyond),
        "recall_beyond_contract_tolerance": round(recall_beyond, 4),
        "missed_by_reason": dict(
            Counter(x["reason"] for x in in_run if (x["pcn"], x["line_control_number"]) not in found)
        ),
        "precision": round(precision, 4),
        "line_matches": dict(matches),
        "unmatched_findings_on_payments": len(unmatched_claims),
        "ingest_and_process_cpu_s": round(cpu, 1),
        "wall_s": round(wall, 1),
    }
    print(json.dumps(result, indent=2))
    missed = sorted(beyond - found)[:5]
    extra = sorted(found - truth)[:5]
    if missed or extra:
        print("first missed:", missed)
        print("first extra:", extra)


if __name__ == "__main__":
    main()
