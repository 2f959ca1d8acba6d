"""``revcycle simulate --out DIR``: one folder per source, ``labels.jsonl`` and ``manifest.json``.

Layouts:

* ``message`` (default): one file per message, named ``<sequence>_<date>_<type>.<ext>``; the sequence is
  global, so sorting all files by name replays the run in order, and ``revcycle ingest DIR`` reads each
  file as one message (X12 files are whole interchanges).
* ``daily``: one file per source, format and day: HL7 v2 as a batch (FHS/BHS ... BTS/FTS, HL7 v2.5.1
  §2.10.3), X12 interchanges back to back, FHIR resources as NDJSON (one per line, as FHIR Bulk Data);
  master data stays one file per upload. Far fewer files, for long histories.

Sharded (``write_sharded``): the network is split by patients into ``shards`` slices generated in
parallel processes (see ``SimConfig.shard``), each written to ``shard-NN/`` as above, with a merged
``manifest.json`` at the top.

Folders: erp (master data), scheduling (SIU), adt (ADT), charges (DFT), payments (DFT payments), claims
(837), acks (999, 277CA), remits (835), fhir (Encounter, ChargeItem, Claim, ExplanationOfBenefit).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec

from revcycle.simulator import codes
from revcycle.simulator.codes import CodeSets
from revcycle.simulator.config import SimConfig
from revcycle.simulator.emission import Emission
from revcycle.simulator.engine import DayOutput, Simulation, batch_gc
from revcycle.simulator.manifest import Manifest

SOURCES = ("erp", "scheduling", "adt", "charges", "payments", "claims", "acks", "remits", "fhir")
LAYOUTS = ("message", "daily")


def _hl7_batch(emissions: list[Emission], stamp: str, control: str) -> bytes:
    parties = "SYNNET|SYNNET|REVCYCLE|SYNNET"
    head = f"FHS|^~\\&|{parties}|{stamp}||||{control}\rBHS|^~\\&|{parties}|{stamp}||||{control}\r"
    body = b"".join(e.payload for e in emissions)
    tail = f"BTS|{len(emissions)}\rFTS|1\r"
    return head.encode() + body + tail.encode()


def _ndjson(emissions: list[Emission]) -> bytes:
    """FHIR resources one per line (the FHIR Bulk Data NDJSON format)."""
    return b"".join(e.payload + b"\n" for e in emissions)


class FileSink:
    """Writes a run's messages and labels under ``root``."""

    def __init__(self, root: Path, manifest: Manifest, layout: str = "message") -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
        self.root = root
        self.layout = layout
        self.manifest = manifest
        self.sequence = 0
        root.mkdir(parents=True, exist_ok=True)
        for source in SOURCES:
            (root / source).mkdir(exist_ok=True)
        self._labels = (root / "labels.jsonl").open("wb")
        self._encoder = msgspec.json.Encoder()

    def _write(self, relative: str, payload: bytes) -> None:
        with open(os.path.join(self.root, relative), "wb") as handle:
            handle.write(payload)
        self.manifest.files += 1

    def _name(self, emission: Emission, iso_date: str) -> str:
        self.sequence += 1
        return (
            f"{emission.source}/{self.sequence:08d}_{iso_date}_{emission.message_type}.{emission.extension}"
        )

    def day(self, out: DayOutput, iso_date: str) -> None:
        for emission in out.emissions:
            self.manifest.add(emission)
        if self.layout == "message" or not out.emissions:
            for emission in out.emissions:
                self._write(self._name(emission, iso_date), emission.payload)
        else:
            self._daily(out, iso_date)
        encode = self._encoder.encode
        self._labels.write(b"".join(encode(record) + b"\n" for record in out.labels))
        self.manifest.add_labels(out.labels)

    def _daily(self, out: DayOutput, iso_date: str) -> None:
        groups: dict[tuple[str, str], list[Emission]] = {}
        for emission in out.emissions:
            if emission.format == "masterdata":
                self._write(self._name(emission, iso_date), emission.payload)
            else:
                groups.setdefault((emission.source, emission.format), []).append(emission)
        stamp = iso_date.replace("-", "")
        for (source, fmt), emissions in groups.items():
            self.sequence += 1
            control = f"{source.upper()}{stamp}"
            if fmt == "hl7v2":
                payload, extension = _hl7_batch(emissions, stamp, control), "hl7"
            elif fmt == "fhir":
                payload, extension = _ndjson(emissions), "ndjson"
            else:
                payload, extension = b"".join(e.payload for e in emissions), "x12"
            self._write(f"{source}/{self.sequence:08d}_{iso_date}_{source}.{extension}", payload)

    def close(self) -> None:
        self._labels.close()
        (self.root / "manifest.json").write_text(self.manifest.dumps(), encoding="utf-8")


def write(
    config: SimConfig,
    root: Path,
    *,
    layout: str = "message",
    code_sets: CodeSets | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> Manifest:
    """Run the simulation into ``root``; ``on_day(day, messages so far)`` is called after each day."""
    simulation = Simulation(config, code_sets)
    manifest = Manifest(config, simulation.world.codes.origin, layout)
    sink = FileSink(root, manifest, layout)
    try:
        with batch_gc():
            for out in simulation.days(freeze_gc=True):
                sink.day(out, simulation.clock.iso(out.day))
                if on_day is not None:
                    on_day(out.day, manifest.messages)
    finally:
        sink.close()
    return manifest


def _shard(job: tuple[SimConfig, Path, str, CodeSets]) -> dict[str, Any]:
    config, root, layout, code_sets = job
    return write(config, root, layout=layout, code_sets=code_sets).as_dict()


def _merge(first: Any, second: Any) -> Any:
    """Counts add up; anything else keeps the first shard's value."""
    if isinstance(first, dict) and isinstance(second, dict):
        return {k: _merge(first.get(k), second.get(k)) for k in dict.fromkeys([*first, *second])}
    if first is None or second is None:
        return first if second is None else second
    if isinstance(first, int) and isinstance(second, int) and not isinstance(first, bool):
        return first + second
    return first


def write_sharded(
    config: SimConfig, root: Path, shards: int, *, layout: str = "message", code_sets: CodeSets | None = None
) -> dict[str, Any]:
    """Generate ``shards`` slices of the network in parallel processes (``root/shard-NN``); returns the
    merged manifest (rates are claim-weighted means of the shards' rates)."""
    sets = code_sets if code_sets is not None else codes.load(config.codesets)
    jobs = [
        (replace(config, shard=k, shards=shards), root / f"shard-{k:02d}", layout, sets)
        for k in range(shards)
    ]
    with ProcessPoolExecutor(max_workers=shards, mp_context=multiprocessing.get_context("fork")) as pool:
        manifests = list(pool.map(_shard, jobs))
    merged: dict[str, Any] = {}
    for manifest in manifests:
        merged = _merge(merged, manifest)
    claims = [m["rates"]["claims"] for m in manifests]
    merged["rates"] = {
        name: round(
            sum(m["rates"][name] * n for m, n in zip(manifests, claims, strict=True)) / max(sum(claims), 1), 4
        )
        for name in manifests[0]["rates"]
    }
    merged["rates"]["claims"] = float(sum(claims))
    merged["shards"] = shards
    merged["seed"], merged["days"], merged["visits_per_day"] = config.seed, config.days, config.visits_per_day
    (root / "manifest.json").write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return merged
