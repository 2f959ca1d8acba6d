"""Prepared statements are compiled per engine: the PHI columns' processors carry that engine's key ring,
so one process with two stores under different keys reads each with its own (a cache keyed by dialect
name once decrypted the second store with the first store's key)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import bindparam, insert, select

from revcycle.adapters.store.encrypted import install_key_ring
from revcycle.adapters.store.engine import make_engine
from revcycle.adapters.store.migrate import upgrade
from revcycle.adapters.store.prepared import Prepared
from revcycle.adapters.store.schema import patients
from revcycle.security.phi_crypto import KeyRing


def test_two_stores_with_different_keys_share_one_prepared_statement(tmp_path: Path) -> None:
    statement = Prepared(
        select(patients.c.data).where(patients.c.patient_key == bindparam("key")),
        result_types=[patients.c.data.type],
    )
    engines = []
    for n in range(2):
        engine = make_engine(f"sqlite:///{tmp_path / f'store{n}.db'}")
        install_key_ring(engine, KeyRing.generate())
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(
                insert(patients).values(
                    patient_key="P1", data={"store": n}, coverages=[], updated_at=datetime.now(UTC)
                )
            )
        engines.append(engine)
    for _ in range(2):  # alternate: each read compiles or reuses its own engine's processors
        for n, engine in enumerate(engines):
            with engine.connect() as conn:
                assert statement.scalar(conn, {"key": "P1"}) == {"store": n}
    for engine in engines:
        engine.dispose()
