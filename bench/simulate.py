"""Simulator history generation speed: claims (with all their messages) per second, and where the time goes.

Run from the repository root::

    .venv/bin/python bench/simulate.py --claims 1000000 --shards 2           # the goal: <= 5 minutes
    .venv/bin/python bench/simulate.py --claims 100000 --write               # also rewrites bench/results/simulator.md

Three measurements:

1. ``generate``: the simulation alone (no output), one process: claims/s and messages/s, wall and CPU;
2. ``write``: ``revcycle simulate --out`` for ``--claims`` claims, in the ``daily`` layout (HL7 batches,
   X12 interchanges, FHIR NDJSON per source and day) and, with ``--shards N``, N processes;
3. ``profile``: a smaller run under cProfile, own time grouped by module (where the time goes).

"Claims" counts claim label records: primary and secondary claims, each with the messages that carry it
(SIU, ADT, DFT or FHIR Encounter/ChargeItem, 837 or FHIR Claim, 999, 277CA, 835 or EOB, resubmissions,
patient payments). Days are derived from the target: one weekday-averaged visit-per-day unit yields
about one claim per day.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import platform
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from revcycle.simulator import codes
from revcycle.simulator.config import SimConfig
from revcycle.simulator.engine import Simulation, batch_gc
from revcycle.simulator.files import write, write_sharded

CLAIMS_PER_VISIT_DAY = 0.99  # measured: claim labels per day per unit of visits_per_day


def _config(claims: int, visits_per_day: int, seed: int) -> SimConfig:
    days = max(1, round(claims / (visits_per_day * CLAIMS_PER_VISIT_DAY)))
    return SimConfig(seed=seed, days=days, visits_per_day=visits_per_day)


def generate(config: SimConfig, code_sets: codes.CodeSets) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    messages = claims = 0
    with batch_gc():
        simulation = Simulation(config, code_sets)
        for out in simulation.days(freeze_gc=True):
            messages += len(out.emissions)
            claims += sum(1 for r in out.labels if r["kind"] == "claim")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"claims": claims, "messages": messages, "wall": wall, "cpu": cpu}


def write_run(
    config: SimConfig, code_sets: codes.CodeSets, shards: int, layout: str, root: Path
) -> dict[str, Any]:
    shutil.rmtree(root, ignore_errors=True)
    wall, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    if shards > 1:
        manifest = write_sharded(config, root, shards, layout=layout, code_sets=code_sets)
    else:
        manifest = write(config, root, layout=layout, code_sets=code_sets).as_dict()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    return {
        "claims": sum(manifest["claims"].values()),
        "messages": manifest["messages"]["total"],
        "bytes": manifest["messages"]["bytes"],
        "files": manifest["files"],
        "wall": wall,
        "cpu": cpu,
    }


GROUPS = {
    "hl7": "HL7 v2 writing (SIU, ADT, DFT)",
    "x12_837": "X12 837 writing",
    "x12_remit": "X12 835 writing",
    "x12_acks": "X12 999 / 277CA writing",
    "x12_common": "X12 envelope and CAS helpers",
    "fhir": "FHIR writing",
    "fhir_claims": "FHIR writing",
    "adjudication": "claim planning and adjudication",
    "adjudication_label": "labels (claim records)",
    "pricing": "claim planning and adjudication",
    "policy": "claim planning and adjudication",
    "billing": "claim planning and adjudication",
    "visits": "visits, diagnoses and charge lines",
    "clinical": "visits, diagnoses and charge lines",
    "charges": "visits, diagnoses and charge lines",
    "scheduling": "scheduling",
    "population": "patients (lazy generation)",
    "names": "patients (lazy generation)",
    "rng": "random draws",
    "random": "random draws",
    "files": "file output",
    "manifest": "manifest counting",
    "emission": "clock, counters, emission records",
    "engine": "agenda and day loop",
    "submission": "daily batching (837, acks, remits)",
}


def profile(config: SimConfig, code_sets: codes.CodeSets, layout: str) -> list[tuple[str, float]]:
    root = Path(tempfile.mkdtemp(prefix="simprof-"))
    profiler = cProfile.Profile()
    with batch_gc():
        profiler.enable()
        write(config, root, layout=layout, code_sets=code_sets)
        profiler.disable()
    shutil.rmtree(root, ignore_errors=True)
    stats = pstats.Stats(profiler, stream=io.StringIO())
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        module = Path(filename).stem
        if filename == "~":
            group = "builtins (str, dict, list, json, I/O calls)" if "write" not in name else "file output"
        else:
            group = GROUPS.get(module, "other (stdlib, msgspec, csv, json)")
        totals[group] = totals.get(group, 0.0) + own
    whole = sum(totals.values())
    return sorted(((g, t / whole) for g, t in totals.items()), key=lambda item: -item[1])


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--visits-per-day", type=int, default=11_000)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--layout", choices=["daily", "message"], default="daily")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "revcycle-simbench")
    parser.add_argument("--generate-claims", type=int, default=100_000, help="size of the generate-only run")
    parser.add_argument("--profile-claims", type=int, default=20_000)
    parser.add_argument(
        "--message-claims", type=int, default=50_000, help="size of the one-file-per-message run"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the written files")
    parser.add_argument("--write", action="store_true", help="rewrite bench/results/simulator.md")
    parser.add_argument("--date", default=dt.date.today().isoformat())
    args = parser.parse_args()

    code_sets = codes.load()
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    vpd = min(args.visits_per_day, max(200, args.generate_claims // 30))
    gen = generate(_config(args.generate_claims, vpd, args.seed), code_sets)
    big = _config(args.claims, args.visits_per_day, args.seed)
    load_before = _load()
    full = write_run(big, code_sets, args.shards, args.layout, args.out)
    if not args.keep:
        shutil.rmtree(args.out, ignore_errors=True)
    small = _config(args.message_claims, max(200, args.message_claims // 30), args.seed)
    per_message = write_run(small, code_sets, 1, "message", args.out.with_name(args.out.name + "-message"))
    shutil.rmtree(args.out.with_name(args.out.name + "-message"), ignore_errors=True)
    prof = profile(
        _config(args.profile_claims, max(200, args.profile_claims // 30), args.seed), code_sets, args.layout
    )

    say("# Simulator history generation benchmark")
    say()
    command = " ".join(["bench/simulate.py", *sys.argv[1:]])
    say(f"Date: {args.date}. Command: `.venv/bin/python {command}`.")
    say()
    say(f"Machine: {platform.machine()}, Python {platform.python_version()}, 2 CPUs shared with other work; "
        f"code sets: {code_sets.origin}.")  # fmt: skip
    say()
    say(
        "| run | claims | messages | time (wall) | CPU (all processes) | claims/s (wall) | messages/s (wall) |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|")
    say(f"| generate only, 1 process ({gen['claims']:,.0f} claims) | {gen['claims']:,.0f} | {gen['messages']:,.0f} | "
        f"{gen['wall']:.1f} s | {gen['cpu']:.1f} s | {gen['claims'] / gen['wall']:,.0f} | "
        f"{gen['messages'] / gen['wall']:,.0f} |")  # fmt: skip
    say(f"| `--out` {args.layout} layout, {args.shards} process(es), {big.days} days x {big.visits_per_day:,} "
        f"visits/day | {full['claims']:,} | {full['messages']:,} | {full['wall']:.1f} s | {full['cpu']:.1f} s | "
        f"{full['claims'] / full['wall']:,.0f} | {full['messages'] / full['wall']:,.0f} |")  # fmt: skip
    say(f"| `--out` message layout (one file per message), 1 process, {small.days} days x "
        f"{small.visits_per_day:,} visits/day | {per_message['claims']:,} | {per_message['messages']:,} | "
        f"{per_message['wall']:.1f} s | {per_message['cpu']:.1f} s | "
        f"{per_message['claims'] / per_message['wall']:,.0f} | {per_message['messages'] / per_message['wall']:,.0f} |")  # fmt: skip
    say()
    say(f"The `--out` run wrote {full['files']:,} files, {full['bytes'] / 1e9:.2f} GB of messages. "
        f"Goal: 1,000,000 claims with all their messages in <= 300 s; this run: {full['claims']:,} claims in "
        f"{full['wall']:.0f} s wall, {full['cpu']:.0f} CPU-seconds over {args.shards} process(es) (load average "
        f"before the run: {load_before}).")  # fmt: skip
    say()
    say(f"Where the time goes (cProfile, own time by module, {args.profile_claims:,}-claim run with file output; "
        f"the profiler inflates Python-level calls):")  # fmt: skip
    say()
    say("| part | share of time |")
    say("|---|---:|")
    for group, share in prof:
        if share >= 0.005:
            say(f"| {group} | {share:.0%} |")
    if args.write:
        target = Path(__file__).parent / "results" / "simulator.md"
        target.parent.mkdir(exist_ok=True)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
