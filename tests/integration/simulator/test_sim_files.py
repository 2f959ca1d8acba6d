"""``--out``: folders per source, manifest counts equal to the files written, both layouts readable,
and the same seed giving byte-identical output (a different seed a different one)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from revcycle.adapters.formats import fhir, hl7v2
from revcycle.adapters.formats.x12 import document
from revcycle.entrypoints.simulate_cli import simulate
from revcycle.simulator.codes import CodeSets
from revcycle.simulator.config import SimConfig
from revcycle.simulator.files import SOURCES, write, write_sharded

SHORT = SimConfig(seed=11, days=5, visits_per_day=30)


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_manifest_counts_equal_the_files_written(tmp_path: Path, code_sets: CodeSets) -> None:
    manifest = write(SHORT, tmp_path, code_sets=code_sets).as_dict()
    on_disk = {source: len(list((tmp_path / source).iterdir())) for source in SOURCES}
    assert sum(on_disk.values()) == manifest["files"] == manifest["messages"]["total"]
    assert {k: v for k, v in on_disk.items() if v} == manifest["messages"]["by_source"]
    by_type: dict[str, int] = {}
    for path in tmp_path.glob("*/*_*"):
        message_type = path.stem.split("_", 2)[2]
        by_type[message_type] = by_type.get(message_type, 0) + 1
    flat = {t: n for types in manifest["messages"]["by_type"].values() for t, n in types.items()}
    assert by_type == flat
    labels = [json.loads(line) for line in (tmp_path / "labels.jsonl").read_text().splitlines()]
    assert sum(manifest["anomalies"].values()) == sum(1 for r in labels if r["kind"] == "anomaly")
    assert sum(manifest["claims"].values()) == sum(1 for r in labels if r["kind"] == "claim")
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest


def test_same_seed_is_byte_identical(tmp_path: Path, code_sets: CodeSets) -> None:
    write(SHORT, tmp_path / "a", code_sets=code_sets)
    write(SHORT, tmp_path / "b", code_sets=code_sets)
    write(SimConfig(seed=12, days=5, visits_per_day=30), tmp_path / "c", code_sets=code_sets)
    first, second, other = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert first == second
    assert first["labels.jsonl"] != other["labels.jsonl"]
    assert set(first.values()) != set(other.values())


def test_daily_layout_is_readable(tmp_path: Path, code_sets: CodeSets) -> None:
    manifest = write(
        SimConfig(seed=3, days=25, visits_per_day=20), tmp_path, layout="daily", code_sets=code_sets
    )
    counts = {"hl7v2": 0, "x12": 0, "fhir": 0}
    for path in sorted(tmp_path.glob("*/*")):
        raw = path.read_bytes()
        if path.suffix == ".hl7":
            batch = hl7v2.split_messages(raw)
            assert batch.count_matches
            for message in batch.messages:
                hl7v2.parse(message)
            counts["hl7v2"] += len(batch.messages)
        elif path.suffix == ".x12":
            counts["x12"] += len(document.parse(raw).interchanges)
        elif path.suffix == ".ndjson":
            for line in raw.splitlines():
                fhir.parse(line)
                counts["fhir"] += 1
    assert counts == {k: manifest.by_format[k] for k in counts}
    assert manifest.files < manifest.messages / 5


def test_cli_writes_files_and_checks_usage(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(simulate, ["--out", str(out), "--days", "2", "--visits-per-day", "10", "--json"])
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)
    assert manifest["days"] == 2 and manifest["files"] == manifest["messages"]["total"] > 0
    assert (out / "manifest.json").exists() and (out / "labels.jsonl").exists()
    assert runner.invoke(simulate, ["--days", "2"]).exit_code == 1
    assert runner.invoke(simulate, ["--out", str(out), "--to", "http://127.0.0.1:9"]).exit_code == 1
    assert runner.invoke(simulate, ["--out", str(out), "--days", "0"]).exit_code == 1
    start = runner.invoke(simulate, ["--out", str(tmp_path / "s"), "--days", "1", "--start", "2026-02-02"])
    assert start.exit_code == 0 and list((tmp_path / "s" / "erp").glob("*_2026-02-02_MD_PAYER.json"))


def test_shards_split_the_network_without_collisions(tmp_path: Path, code_sets: CodeSets) -> None:
    merged = write_sharded(SimConfig(seed=4, days=4, visits_per_day=40), tmp_path, 2, code_sets=code_sets)
    shards = [json.loads((tmp_path / f"shard-0{k}" / "manifest.json").read_text()) for k in (0, 1)]
    assert merged["messages"]["total"] == sum(s["messages"]["total"] for s in shards) > 0
    assert list((tmp_path / "shard-00" / "erp").iterdir()) and not list(
        (tmp_path / "shard-01" / "erp").iterdir()
    )
    controls: dict[str, bytes] = {}
    for path in tmp_path.glob("shard-*/*/*.hl7"):
        raw = path.read_bytes()
        message = hl7v2.parse(raw)
        key = f"{message.header.value(3)}^{message.header.value(4)}|{message.control_id}"
        assert controls.setdefault(key, raw) == raw  # the same control id only for a resend of the same bytes
    pcns = [
        json.loads(line)["pcn"]
        for line in (tmp_path / "shard-00" / "labels.jsonl").read_text().splitlines()
        if '"claim"' in line
    ]
    other = [
        json.loads(line)["pcn"]
        for line in (tmp_path / "shard-01" / "labels.jsonl").read_text().splitlines()
        if '"claim"' in line
    ]
    assert pcns and other and not set(pcns) & set(other)
