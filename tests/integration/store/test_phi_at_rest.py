"""PHI encrypted at rest on both back ends: the stored bytes of the raw message, the patient record and
the claim hold no readable PHI; reads through the store see plain values; account lookups work through
the blind index; ``revcycle keys rotate`` re-encrypts everything and ``retire`` drops the old key."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from revcycle.adapters.store.billing_queries import Page
from revcycle.adapters.store.clinical_queries import ClinicalQueries
from revcycle.adapters.store.phi_columns import key_usage
from revcycle.bootstrap import Container, build
from revcycle.entrypoints.cli import main
from revcycle.entrypoints.ingest_files import ingest_local
from revcycle.security.phi_crypto import KeyRing, KeyRingError
from revcycle.settings import Settings

ADT = (
    "MSH|^~\\&|REG|NORTH|REVCYCLE|BILLING|20261122||ADT^A04|SEC1|P|2.5.1\r"
    "PID|1||MRN4242^^^NORTH^MR||QUIXOTE^ZEBEDEE||19511224|M|||12 Windmill Lane^^La Mancha^MN^55401"
    "|||||||ACCT4242\r"
    "PV1|1|O|CLINIC||||1234567893|||||||||||V4242\r"
    "IN1|1|PLAN1|P001|Acme Health" + "|" * 32 + "MEMB98765\r"
)
SECRETS = (b"QUIXOTE", b"ZEBEDEE", b"19511224", b"Windmill", b"MEMB98765", b"ACCT4242")


@pytest.fixture
def loaded(store_url: str, tmp_path: Path) -> Iterator[Container]:
    container = build(Settings(db_url=store_url, data_dir=tmp_path, workers=False))
    message = tmp_path / "adt.hl7"
    message.write_text(ADT)
    report = ingest_local(container, [message])
    assert report.processed == 1 and not report.rejected
    yield container
    container.engine.dispose()


def stored_bytes(container: Container) -> bytes:
    """Everything the PHI tables hold, as the database has it (no decrypting column types)."""
    out = b""
    with container.engine.connect() as conn:
        for query in (
            "SELECT raw, partition_key FROM inbound_messages",
            "SELECT account, data, coverages FROM patients",
            "SELECT data FROM claims",
        ):
            for row in conn.execute(text(query)):
                out += b"|".join(v if isinstance(v, bytes) else str(v).encode() for v in row if v is not None)
    return out


def test_phi_is_unreadable_at_rest_and_plain_through_the_store(loaded: Container, tmp_path: Path) -> None:
    at_rest = stored_bytes(loaded)
    assert at_rest and not [s for s in SECRETS if s in at_rest]
    found = ClinicalQueries(loaded.engine).patients(Page(None, 10), account="ACCT4242")
    assert len(found) == 1 and found[0]["account"] == "ACCT4242"
    assert found[0]["data"]["family_name"] == "QUIXOTE" and found[0]["data"]["birth_date"] == "1951-12-24"
    assert found[0]["coverages"][0]["member_id"] == "MEMB98765"
    assert ClinicalQueries(loaded.engine).patients(Page(None, 10), account="ACCT0000") == []
    key_file = tmp_path / "keys" / "phi.keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_usage(loaded.engine) == {"k1": 4}


def test_a_value_does_not_decrypt_in_another_column_or_when_tampered() -> None:
    ring = KeyRing.generate()
    sealed = ring.encrypt(b"QUIXOTE^ZEBEDEE", "patients.data")
    assert ring.decrypt(sealed, "patients.data") == b"QUIXOTE^ZEBEDEE"
    with pytest.raises(KeyRingError):
        ring.decrypt(sealed, "claims.data")
    with pytest.raises(KeyRingError):
        ring.decrypt(sealed[:-1] + bytes([sealed[-1] ^ 1]), "patients.data")
    with pytest.raises(KeyRingError, match="no key"):
        KeyRing.generate().decrypt(ring.rotated().encrypt(b"x", "c"), "c")


def test_keys_rotate_reencrypts_everything_then_retire_drops_the_old_key(
    loaded: Container, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REVCYCLE_PHI_KEY", raising=False)
    env = {"REVCYCLE_DB_URL": store_url, "REVCYCLE_DATA_DIR": str(tmp_path)}
    before = KeyRing.from_json((tmp_path / "keys" / "phi.keys").read_text())
    assert CliRunner().invoke(main, ["keys", "retire"], env=env).exit_code == 0  # nothing old to keep
    result = CliRunner().invoke(main, ["keys", "rotate"], env=env)
    assert result.exit_code == 0, result.output
    assert "new primary key k2; 4 values re-encrypted" in result.output
    ring_text = (tmp_path / "keys" / "phi.keys").read_text()
    assert before.keys["k1"].hex() not in result.output and "k1" in json.loads(ring_text)["keys"]
    assert key_usage(loaded.engine) == {"k2": 4}
    assert CliRunner().invoke(main, ["keys", "retire"], env=env).exit_code == 0
    assert set(json.loads((tmp_path / "keys" / "phi.keys").read_text())["keys"]) == {"k2"}


def test_partition_keys_are_keyed_hashes_and_rotate_hashes_those_kept_in_clear(
    loaded: Container, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with loaded.engine.connect() as conn:
        [stored] = conn.execute(text("SELECT partition_key FROM inbound_messages")).scalars().all()
    assert stored.startswith("h1:") and len(stored) == 67 and "4242" not in stored
    with loaded.engine.begin() as conn:  # a row from before: its account number in clear
        conn.execute(text("UPDATE inbound_messages SET partition_key = 'ACCT4242'"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REVCYCLE_PHI_KEY", raising=False)
    env = {"REVCYCLE_DB_URL": store_url, "REVCYCLE_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["keys", "rotate"], env=env)
    assert result.exit_code == 0 and "partition_key: 1 kept in clear, now keyed hashes" in result.output
    with loaded.engine.connect() as conn:
        assert conn.execute(text("SELECT partition_key FROM inbound_messages")).scalars().all() == [stored]
    fresh = build(Settings(db_url=store_url, data_dir=tmp_path, workers=False))
    [patient] = ClinicalQueries(fresh.engine).patients(Page(None, 10), account="ACCT4242")
    assert patient["data"]["given_name"] == "ZEBEDEE"  # the blind index survives rotation
    assert not [s for s in SECRETS if s in stored_bytes(fresh)]
    fresh.engine.dispose()


def test_the_config_file_cannot_hold_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "revcycle.toml").write_text('api_token = "s3cret-in-a-file"\n')
    result = CliRunner().invoke(main, ["config", "check", "--json"], env={"REVCYCLE_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1 and "REVCYCLE_API_TOKEN" in result.output
    assert "s3cret-in-a-file" not in result.output


def test_config_check_never_echoes_the_database_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"REVCYCLE_DB_URL": "postgresql+psycopg://billing:hunter2-secret@db.example/revcycle"}
    result = CliRunner().invoke(main, ["config", "check"], env=env)
    assert result.exit_code == 0 and "hunter2-secret" not in result.output and "billing:***@" in result.output


def test_the_api_token_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "token").write_text("rct_from_a_mounted_secret\n")
    monkeypatch.setenv("REVCYCLE_API_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.delenv("REVCYCLE_API_TOKEN", raising=False)
    assert Settings().api_token == "rct_from_a_mounted_secret"
    result = CliRunner().invoke(
        main, ["config", "check"], env={"REVCYCLE_API_TOKEN_FILE": str(tmp_path / "nope")}
    )
    assert result.exit_code == 1 and "api_token_file" in result.output
