"""FHIR R4 decode throughput: our msgspec decoding of the billing subset vs fhir.resources (R4B) validation.

Run from the repository root::

    .venv/bin/python bench/fhir_decode.py            # prints a table and the ratios
    .venv/bin/python bench/fhir_decode.py --write    # also rewrites bench/results/fhir.md

Resource sets (the same bytes for both):

* ``claim 3.7 KB``: the synthetic professional Claim below (5 lines, written for this benchmark);
* ``official examples``: every single resource in ../shared/data/fhir of a type we decode that
  fhir.resources accepts (the HL7 R4 examples);
* ``Synthea bundles``: the 9 Synthea transaction Bundles (per Bundle, and per entry);
* ``Blue Button``: the 9 CMS BFD resources, ours only (fhir.resources rejects them: "IGNORED_FIELD"
  placeholders in meta.lastUpdated/created).

Ours is ``revcycle.adapters.formats.fhir.parse`` (typed msgspec decode; Bundles decoded entry by entry),
theirs is ``get_fhir_model_class(type).model_validate_json(raw)``. Also shown: ``identify`` (header
only) and the raw-parse ceiling, ``msgspec.json.decode(raw)`` into untyped dicts and lists.
One process, one core, best of ``--rounds`` timed rounds of ``--seconds`` each; within a round the
functions take turns (ours, identify, ceiling, fhir.resources), so that load from other processes on
the machine affects them alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import msgspec
from fhir.resources.R4B import get_fhir_model_class

from revcycle.adapters.formats import fhir
from revcycle.adapters.formats.fhir.bundle import Bundle
from revcycle.adapters.formats.fhir.resource_types import SUPPORTED_RESOURCE_TYPES

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "fhir"
RESULTS = ROOT / "bench" / "results" / "fhir.md"


def _line(seq: int, code: str, modifier: str | None, price: str, qty: int, dx: list[int]) -> dict[str, Any]:
    line: dict[str, Any] = {
        "sequence": seq,
        "careTeamSequence": [1],
        "diagnosisSequence": dx,
        "productOrService": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": code}]},
        "servicedDate": "2026-11-20",
        "locationCodeableConcept": {
            "coding": [{"system": "https://www.cms.gov/Medicare/Coding/place-of-service-codes", "code": "11"}]
        },
        "quantity": {"value": qty},
        "unitPrice": {"value": json.loads(price), "currency": "USD"},
        "net": {"value": json.loads(price) * qty, "currency": "USD"},
    }
    if modifier:
        line["modifier"] = [{"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": modifier}]}]
    return line


CLAIM_DOC: dict[str, Any] = {
    "resourceType": "Claim",
    "id": "clm-20261122-000981",
    "meta": {"versionId": "1", "lastUpdated": "2026-11-22T09:30:15-05:00"},
    "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.4711.1", "value": "CLM000981"}],
    "status": "active",
    "type": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]
    },
    "use": "claim",
    "patient": {"reference": "Patient/pat-000123"},
    "billablePeriod": {"start": "2026-11-20", "end": "2026-11-20"},
    "created": "2026-11-22T09:30:15-05:00",
    "insurer": {"reference": "Organization/payer-acme"},
    "provider": {"reference": "Organization/goodhealth-clinic"},
    "priority": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]
    },
    "payee": {"type": {"coding": [{"code": "provider"}]}},
    "careTeam": [{"sequence": 1, "provider": {"reference": "Practitioner/npi-1234567893"}}],
    "diagnosis": [
        {
            "sequence": i + 1,
            "diagnosisCodeableConcept": {
                "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": c}]
            },
        }
        for i, c in enumerate(["I48.91", "R00.0", "E11.9"])
    ],
    "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/cov-778899"}}],
    "item": [
        _line(1, "99214", "25", "185.00", 1, [1, 2]),
        _line(2, "93000", None, "150.00", 1, [1]),
        _line(3, "36415", None, "25.00", 1, [3]),
        _line(4, "83036", None, "42.50", 1, [3]),
        _line(5, "80053", None, "58.75", 1, [3]),
    ],
    "total": {"value": 461.25, "currency": "USD"},
}
CLAIM = json.dumps(CLAIM_DOC, separators=(", ", ": ")).encode()


def ours(raw: bytes) -> object:
    return fhir.parse(raw)


def ours_identify(raw: bytes) -> object:
    return fhir.identify(raw)


def ceiling(raw: bytes) -> object:
    return msgspec.json.decode(raw)


def theirs(raw: bytes) -> object:
    kind = msgspec.json.decode(raw)["resourceType"]  # outside the comparison: a dict lookup per call
    return get_fhir_model_class(kind).model_validate_json(raw)


def _timed(function: Callable[[bytes], object], items: list[bytes], seconds: float) -> float:
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for raw in items:
            function(raw)
        count += len(items)
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def rates(
    functions: dict[str, Callable[[bytes], object]], items: list[bytes], seconds: float, rounds: int
) -> dict[str, float]:
    """Calls per second over ``items`` for each function, best of ``rounds``. The functions take turns
    within each round, so that a noisy neighbour slows all of them alike."""
    best = dict.fromkeys(functions, 0.0)
    for _ in range(rounds):
        for name, function in functions.items():
            best[name] = max(best[name], _timed(function, items, seconds))
    return best


def percentiles(function: Callable[[bytes], object], raw: bytes, calls: int = 20000) -> tuple[float, float]:
    """p50 and p99 latency of one call, in microseconds."""
    samples = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        function(raw)
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    return samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.99)] / 1000


def sets() -> dict[str, tuple[list[bytes], int, bool]]:
    """name -> (bodies, entries per pass, fhir.resources accepts them)."""
    examples, bundles, bfd = [], [], []
    entries = 0
    for path in sorted(SHARED.iterdir()):
        raw = path.read_bytes()
        kind = msgspec.json.decode(raw)["resourceType"]
        if path.name.startswith("synthea__"):
            bundles.append(raw)
            parsed = fhir.parse(raw)
            assert isinstance(parsed, Bundle)
            entries += len(parsed.entries)
        elif path.name.startswith("bfd__"):
            bfd.append(raw)
        elif kind in SUPPORTED_RESOURCE_TYPES:
            examples.append(raw)
    return {
        f"claim {len(CLAIM) / 1000:.1f} KB": ([CLAIM], 1, True),
        "official examples": (examples, len(examples), True),
        "Synthea bundles": (bundles, entries, True),
        "Blue Button (ours only)": (bfd, len(bfd), False),
    }


def goal_note(claim_row: tuple[Any, ...]) -> str:
    """What the run says about the design goal (ours >= 100x fhir.resources on the Claim)."""
    ours_rate, ceiling_rate, theirs_rate = claim_row[4], claim_row[6], claim_row[7]
    mine, ceiling = ours_rate / theirs_rate, ceiling_rate / theirs_rate
    verdict = "met" if mine >= 100 else "not met"
    return (
        f"The design goal was ours >= 100x fhir.resources. On the {len(CLAIM) / 1000:.1f} KB Claim this run "
        f"measured {mine:,.0f}x, with msgspec's untyped raw-parse ceiling at {ceiling:,.0f}x: the goal is "
        f"{verdict} here. The typed decode runs at about the ceiling (it builds fewer objects than the untyped "
        "parse, but decodes every amount as an exact Decimal from its text, about 0.2 µs each). The machine "
        "is a shared 2-core VM: rates move by up to 2x between runs, the ratios (interleaved rounds) less.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="rewrite bench/results/fhir.md")
    parser.add_argument("--date", default=dt.date.today().isoformat())
    args = parser.parse_args()

    rows = []
    for name, (items, entries, comparable) in sets().items():
        size = sum(len(r) for r in items) / len(items)
        per_pass = entries / len(items)  # resources per body
        functions: dict[str, Callable[[bytes], object]] = {
            "ours": ours,
            "identify": ours_identify,
            "ceiling": ceiling,
        }
        if comparable:
            functions["theirs"] = theirs
        got = rates(functions, items, args.seconds, args.rounds)
        ours_rate, identify_rate, ceiling_rate = got["ours"], got["identify"], got["ceiling"]
        theirs_rate = got.get("theirs")
        rows.append((name, len(items), size, per_pass, ours_rate, identify_rate, ceiling_rate, theirs_rate))
    p50, p99 = percentiles(ours, CLAIM)
    t50, t99 = percentiles(theirs, CLAIM, calls=1000)

    lines = [
        "| resource set | bodies | mean size | ours: parse | ours: resources/s | ours: identify "
        "| msgspec untyped (ceiling) | fhir.resources validate | fhir.resources: resources/s "
        "| ratio ours / fhir.resources | ratio ceiling / fhir.resources |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, count, size, per_pass, ours_rate, identify_rate, ceiling_rate, theirs_rate in rows:
        their_cells = (
            f"{theirs_rate:,.0f}/s | {theirs_rate * per_pass:,.0f}/s | {ours_rate / theirs_rate:,.0f}x "
            f"| {ceiling_rate / theirs_rate:,.0f}x"
            if theirs_rate
            else "rejects | - | - | -"
        )
        lines.append(
            f"| {name} | {count} | {size:,.0f} B | {ours_rate:,.0f}/s | {ours_rate * per_pass:,.0f}/s "
            f"| {identify_rate:,.0f}/s | {ceiling_rate:,.0f}/s | {their_cells} |"
        )
    table = "\n".join(lines)
    latency = (
        f"Latency of one call on the {len(CLAIM) / 1000:.1f} KB Claim: "
        f"ours p50 {p50:,.1f} µs, p99 {p99:,.1f} µs; "
        f"fhir.resources p50 {t50:,.0f} µs, p99 {t99:,.0f} µs."
    )
    print(table)
    print(latency)
    if args.write:
        RESULTS.write_text(
            "# FHIR R4 decode benchmark\n\n"
            f"Date: {args.date}. Command: `{' '.join(['.venv/bin/python', 'bench/fhir_decode.py', *sys.argv[1:]])}` "
            f"(best of {args.rounds} rounds of {args.seconds:g} s per figure).\n\n"
            f"Machine: {platform.machine()}, Python {sys.version.split()[0]}, one process on one core; "
            f"msgspec {version('msgspec')}, fhir.resources {version('fhir.resources')} (R4B models), "
            f"pydantic {version('pydantic')}.\n\n"
            f"{table}\n\n{latency}\n\n"
            'Rates are bodies per second (a Bundle is one body); "resources/s" multiplies by the resources '
            "per body (for the Synthea bundles: all entries, of which we type the billing ones and skip the "
            'rest, while fhir.resources validates every entry). "ours: parse" is the full typed decode of '
            'the billing subset (Decimal amounts, Bundle entries one by one); "identify" reads only the '
            "header (resourceType, id, meta.versionId, Bundle.type, the patient reference). The ceiling is "
            "msgspec's untyped decode of the whole body into dicts, lists and floats.\n\n"
            + goal_note(rows[0])
        )


if __name__ == "__main__":
    main()
