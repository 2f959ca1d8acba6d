"""HL7 v2 parse throughput: our tokenizer (parse + ~15 billing fields by path) vs python-hl7 ``hl7.parse``.

Run from the repository root::

    .venv/bin/python bench/hl7v2_parse.py            # prints a table and the ratio
    .venv/bin/python bench/hl7v2_parse.py --write    # also rewrites bench/results/hl7v2.md

Message sets (the same messages for both parsers):

* ``dft_p03``: the 1.3 KB DFT^P03 below (synthetic, written for this benchmark);
* ``shared``: every message in ../shared/data/hl7v2 (files split into messages) that both parsers read.
  python-hl7 only splits segments on CR and does not skip a BOM, so it gets each message with CR
  segment ends and no BOM, prepared outside the timed loop; we get the original bytes.

One process, one core, best of ``--rounds`` timed rounds of ``--seconds`` of process CPU time each
(CPU time, so other processes on the machine disturb the figures less).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import hl7

from revcycle.adapters.formats.hl7v2.batch import split_messages
from revcycle.adapters.formats.hl7v2.errors import Hl7Unreadable
from revcycle.adapters.formats.hl7v2.path import compile_path
from revcycle.adapters.formats.hl7v2.tokenizer import parse

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "hl7v2"
RESULTS = ROOT / "bench" / "results" / "hl7v2.md"

DFT_P03 = "\r".join(
    [
        "MSH|^~\\&|EPICADT|GOODHEALTH|RCMHUB|GHBILLING|20261122093015-0500||DFT^P03^DFT_P03|"
        "MSG20261122093015001|P|2.5.1|||AL|NE||UNICODE UTF-8",
        "EVN|P03|20261122093015-0500",
        "PID|1||MRN0012345^^^GOODHEALTH^MR||SAMPLE^PAT^Q||19700101|F|||100 MAIN ST^^SPRINGFIELD^IL^62701||"
        "^PRN^PH^^1^217^5550100|||M||ACCT00098765^^^GOODHEALTH^AN",
        "PV1|1|O|CARD^EXAM3^01^GOODHEALTH||||1234567893^CARDIO^CARL^^^DR^MD^^NPI|"
        "1122334455^REFER^RITA^^^DR^MD^^NPI||CAR||||1|||1234567893^CARDIO^CARL|OP|VN00055501|COMM",
        "FT1|1|TX00001||20261122083000-0500|20261122093000-0500|CG|93000^Electrocardiogram^CPT|||1|"
        "150.00&USD|150.00&USD|CARD^Cardiology^L|||INS001|||I48.91^Atrial fibrillation^I10|"
        "1234567893^CARDIO^CARL^^^DR^MD^^NPI|1122334455^REFER^RITA|150.00&USD||ORD778899|93000^ECG^CPT|25~59",
        "FT1|2|TX00002||20261122084500-0500|20261122093000-0500|CG|36415^Venipuncture^CPT|||1|"
        "25.00&USD|25.00&USD|LAB^Laboratory^L||||||R00.0^Tachycardia^I10|1234567893^CARDIO^CARL||25.00&USD",
        "PR1|1||93000^Electrocardiogram^CPT||20261122083000-0500",
        "DG1|1||I48.91^Atrial fibrillation^I10||20261122083000-0500|A",
        "DG1|2||R00.0^Tachycardia^I10||20261122083000-0500|A",
        "GT1|1||SAMPLE^PAT^Q||100 MAIN ST^^SPRINGFIELD^IL^62701|^PRN^PH^^1^217^5550100||19700101|F||SE",
        "IN1|1|PPO01^Acme PPO^L|INS001^^^^NIIP|Acme Health|PO BOX 100^^CHICAGO^IL^60601||||GRP4455|||"
        "20260101|20261231|||SAMPLE^PAT^Q|SEL|19700101",
    ]
).encode("utf-8")

FIELDS = [
    compile_path(p)
    for p in (
        "MSH-9.1",
        "MSH-9.2",
        "MSH-10",
        "PID-3[1].1",
        "PID-18.1",
        "PV1-3.1",
        "PV1-19.1",
        "FT1-4.1",
        "FT1-6",
        "FT1-7.1",
        "FT1-10",
        "FT1-11.1",
        "FT1-13.1",
        "FT1-20.1",
        "DG1-3.1",
    )
]


def ours(raw: bytes) -> object:
    return parse(raw).values(FIELDS)


def ours_tokenize_only(raw: bytes) -> object:
    return parse(raw)


def ours_one_by_one(raw: bytes) -> object:
    message = parse(raw)
    return [message.get(path) for path in FIELDS]


def ours_eager_fields(raw: bytes) -> object:
    """Design check: split every segment into fields up front (what we do lazily). Reaches into the
    message's private line list so that only the splitting is added."""
    message = parse(raw)
    fs = message.delimiters.field
    message._fields[1:] = [line.split(fs) for line in message._lines[1:]]
    return message.values(FIELDS)


def ours_eager_components(raw: bytes) -> object:
    """Design check: split everything down to sub-components up front."""
    message = parse(raw)
    d = message.delimiters
    message._fields[1:] = [line.split(d.field) for line in message._lines[1:]]
    for fields in message._fields:
        for text in fields or ():
            _ = [[c.split(d.sub_split) for c in r.split(d.comp_split)] for r in text.split(d.rep_split)]
    return message.values(FIELDS)


def theirs(text: bytes) -> object:
    return hl7.parse(text)


def _for_python_hl7(raw: bytes) -> bytes:
    return raw.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\r").replace(b"\n", b"\r")


def shared_messages() -> list[bytes]:
    """Every shared sample message both parsers read."""
    found: list[bytes] = []
    for path in sorted(SHARED.iterdir()):
        try:
            messages = split_messages(path.read_bytes()).messages
        except Hl7Unreadable:
            continue
        for raw in messages:
            try:
                parse(raw)
                hl7.parse(_for_python_hl7(raw))
            except (Hl7Unreadable, hl7.ParseException, ValueError, IndexError):
                continue
            found.append(raw)
    return found


def rate(function: Callable[[bytes], object], messages: list[bytes], seconds: float) -> float:
    """Messages per CPU second over one timed round of at least ``seconds``. The clock is read only
    between chunks of about 20 ms, so its own cost (a system call) stays out of the figure."""
    chunk = 1
    while True:  # calibrate the chunk size
        start = time.process_time()
        for _ in range(chunk):
            for raw in messages:
                function(raw)
        if time.process_time() - start >= 0.02:
            break
        chunk *= 2
    count = 0
    start = time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(chunk):
            for raw in messages:
                function(raw)
        count += chunk * len(messages)
        now = time.process_time()
        if now >= deadline:
            return count / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=1.0, help="CPU seconds per timed round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="rewrite bench/results/hl7v2.md")
    parser.add_argument("--date", default=dt.date.today().isoformat())
    args = parser.parse_args()

    sets = {"dft_p03 (1.3 KB)": [DFT_P03], "shared samples": shared_messages()}
    rows = []
    for name, messages in sets.items():
        size = sum(len(m) for m in messages) / len(messages)
        theirs_input = [_for_python_hl7(m) for m in messages]
        ours_rate = tokenize_rate = theirs_rate = 0.0
        for _ in range(args.rounds):  # interleaved, best of each, so load changes hit all three alike
            ours_rate = max(ours_rate, rate(ours, messages, args.seconds))
            tokenize_rate = max(tokenize_rate, rate(ours_tokenize_only, messages, args.seconds))
            theirs_rate = max(theirs_rate, rate(theirs, theirs_input, args.seconds))
        rows.append((name, len(messages), size, ours_rate, tokenize_rate, theirs_rate))

    header = (
        "| message set | messages | mean size | ours: parse + 15 fields | ours: parse only "
        "| python-hl7 `hl7.parse` | ratio (ours with fields / python-hl7) |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )
    lines = [header]
    for name, count, size, ours_rate, tokenize_rate, theirs_rate in rows:
        lines.append(
            f"| {name} | {count} | {size:,.0f} B | {ours_rate:,.0f}/s | {tokenize_rate:,.0f}/s "
            f"| {theirs_rate:,.0f}/s | {ours_rate / theirs_rate:,.1f}x |"
        )
    table = "\n".join(lines)
    print(table)
    design = [
        "| message set | ours: `values(paths)` | ours: `get(path)` x 15 | fields split up front "
        "| everything split up front |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, messages in sets.items():
        lazy = single = eager = full = 0.0
        for _ in range(args.rounds):
            lazy = max(lazy, rate(ours, messages, args.seconds / 2))
            single = max(single, rate(ours_one_by_one, messages, args.seconds / 2))
            eager = max(eager, rate(ours_eager_fields, messages, args.seconds / 2))
            full = max(full, rate(ours_eager_components, messages, args.seconds / 2))
        design.append(f"| {name} | {lazy:,.0f}/s | {single:,.0f}/s | {eager:,.0f}/s | {full:,.0f}/s |")
    design_table = "\n".join(design)
    print(design_table)
    if args.write:
        RESULTS.write_text(
            "# HL7 v2 parse benchmark\n\n"
            f"Date: {args.date}. Command: `.venv/bin/python bench/hl7v2_parse.py --write --date {args.date} "
            f"--rounds {args.rounds} --seconds {args.seconds:g}` (best of {args.rounds} interleaved rounds "
            f"of {args.seconds:g} CPU second(s) per figure; the design check uses half-length rounds).\n\n"
            f"Machine: {platform.machine()}, Python {sys.version.split()[0]}, one process on one core; "
            f"python-hl7 {hl7.__version__ if hasattr(hl7, '__version__') else '0.4.5'}. The machine is shared "
            "(other work ran meanwhile), so absolute rates move by about 20% from run to run; the three "
            "columns of a row are measured in interleaved rounds of the same run.\n\n"
            f"{table}\n\n"
            '"ours: parse + 15 fields" is `parse(raw)` (decode, tokenize, header checks) followed by '
            "`message.values(paths)` for 15 compiled paths (MSH-9.1/9.2/10, PID-3[1].1, PID-18.1, "
            "PV1-3.1, PV1-19.1, FT1-4.1/6/7.1/10/11.1/13.1/20.1, DG1-3.1), unescaped. python-hl7 gets the same messages with CR "
            "segment ends and no BOM (prepared outside the timed loop) and only parses.\n\n"
            "Design check, same run (parse + the same 15 values): reading them one `get(path)` at a time, "
            "and what splitting up front would cost; this is why a segment is split into fields only "
            "when first read, and a field into components only when a value is asked for:\n\n"
            f"{design_table}\n"
        )


if __name__ == "__main__":
    main()
