"""SQLite's work per append to the inbound log, with the idempotency keys the edge makes now (sorted by
sender and control id: ``intake.key_prefix``) and with the bare hashes it made before migration 0012.

    .venv/bin/python bench/inbound_keys.py [--rows 100000] [--batch 16]

Raw ``sqlite3`` on the log's own table and indexes (``schema.inbound_messages``, created through
SQLAlchemy), WAL with ``synchronous=NORMAL`` and checkpoints outside the timing, as the edge runs it.
The rows are 1.3 KB DFT^P03 messages with sequential control ids from one sender, as a feed sends them;
each variant inserts the same rows, ``--batch`` per transaction. Reports CPU time per row (insert and
commit; the checkpoints excluded) and the bytes the WAL took per row. The ratio row compares the two in
the same run; the figure to compare between runs.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from messages import dft
from sqlalchemy import create_engine

from revcycle.adapters.formats.base import Envelope
from revcycle.adapters.store.schema import inbound_messages
from revcycle.service_layer.intake import content_hash, idempotency_key, key_prefix

COLUMNS = ("correlation_id", "interface", "transport", "format", "message_type", "control_id", "sender")
COLUMNS += (
    "idempotency_key",
    "content_hash",
    "received_at",
    "status",
    "attempts",
    "collision",
    "size",
    "raw",
)


def rows(count: int, prefixed: bool) -> list[tuple[object, ...]]:
    made = []
    for n in range(count):
        raw = dft(f"M{n:010d}", n % 5000)
        envelope = Envelope("hl7v2", "DFT_P03", control_id=f"M{n:010d}", sender="EPIC^NORTH")
        key = idempotency_key(envelope, "mllp", content_hash(raw))
        if not prefixed:
            key = key.removeprefix(key_prefix(envelope, "mllp"))
        moment = f"2026-11-22 10:{n // 60_000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:06d}"
        made.append(
            (
                *(f"{n:036d}", "mllp", "mllp", "hl7v2", "DFT_P03", f"M{n:010d}", "EPIC^NORTH"),
                *(key, content_hash(raw), moment, "accepted", 0, 0, len(raw), raw),
            )
        )
    return made


def run(path: Path, data: list[tuple[object, ...]], batch: int) -> tuple[float, float]:
    engine = create_engine(f"sqlite:///{path}")
    inbound_messages.metadata.create_all(engine, tables=[inbound_messages])
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    row = "(" + ", ".join("?" * len(COLUMNS)) + ")"
    sql = f"INSERT INTO inbound_messages ({', '.join(COLUMNS)}) VALUES " + ", ".join([row] * batch)
    cpu = 0.0
    wal_bytes = 0
    wal = Path(f"{path}-wal")
    for start in range(0, len(data) - batch + 1, batch):
        before = time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql, [value for r in data[start : start + batch] for value in r])
        conn.execute("COMMIT")
        cpu += time.process_time() - before
        if start % (batch * 64) == 0:  # the checkpointer thread's work, outside the timing
            wal_bytes += wal.stat().st_size
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal_bytes += wal.stat().st_size
    conn.close()
    inserted = len(data) // batch * batch
    return cpu / inserted * 1e6, wal_bytes / inserted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, prefixed in (("bare SHA-256 keys (before 0012)", False), ("sorted keys (now)", True)):
            results[name] = run(Path(tmp) / f"{prefixed}.db", rows(args.rows, prefixed), args.batch)
    print(
        f"{args.rows:,} appends, {args.batch} per commit; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print()
    print("| keys | SQLite CPU per append | WAL bytes per append |")
    print("| --- | ---: | ---: |")
    for name, (cpu, wal) in results.items():
        print(f"| {name} | {cpu:.1f} us | {wal:,.0f} |")
    (old_cpu, old_wal), (new_cpu, new_wal) = results.values()
    print(f"| ratio now / before | {new_cpu / old_cpu:.2f} | {new_wal / old_wal:.2f} |")


if __name__ == "__main__":
    main()
