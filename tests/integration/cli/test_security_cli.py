"""``revcycle users`` and ``revcycle audit verify`` on both back ends: accounts made, tokens revoked,
secrets shown once and never stored in clear, and any edit, deletion or reordering of an audit entry
detected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from revcycle.adapters.store.audit_log import SqlAuditLog
from revcycle.adapters.store.engine import make_engine
from revcycle.adapters.store.schema import api_tokens, audit_log, users
from revcycle.bootstrap import build
from revcycle.entrypoints.cli import main
from revcycle.security.audit_chain import AuditEntry, entry_hash
from revcycle.settings import Settings


@pytest.fixture
def env(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REVCYCLE_API_TOKEN", raising=False)
    return {"REVCYCLE_DATA_DIR": str(tmp_path / "data"), "REVCYCLE_DB_URL": store_url}


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, input=stdin)
    return result.exit_code, result.output


def test_users_add_prints_the_password_once_and_stores_only_its_hash(env: dict[str, str]) -> None:
    code, out = run(env, "users", "add", "dana", "--role", "finance,analyst", "--token", "--json")
    assert code == 0, out
    made = json.loads(out)
    assert made["roles"] == ["finance", "analyst"] and len(made["password"]) >= 12
    engine = make_engine(env["REVCYCLE_DB_URL"])
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
        token_hash = conn.execute(select(api_tokens.c.token_hash)).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$") and made["password"] not in stored
    assert made["token"] not in token_hash and len(token_hash) == 64
    code, out = run(env, "users", "list")
    assert "dana" in out and made["password"] not in out and made["token"] not in out
    code, out = run(env, "users", "add", "dana", "--role", "finance")
    assert code == 2 and "already exists" in out


def test_users_add_rejects_unknown_roles_and_weak_passwords(env: dict[str, str]) -> None:
    code, out = run(env, "users", "add", "eve", "--role", "superuser")
    assert code == 2 and "unknown role(s) superuser" in out
    code, out = run(env, "users", "add", "eve", "--role", "finance", "--password-stdin", stdin="short\n")
    assert code == 2 and "at least 12 characters" in out


def test_token_create_revoke_and_disable_are_audited(env: dict[str, str]) -> None:
    run(env, "users", "add", "svc", "--role", "integration-engineer", "--machine")
    _, out = run(env, "users", "token", "create", "svc", "--name", "lab", "--json")
    token_id = json.loads(out)["id"]
    assert run(env, "users", "token", "revoke", str(token_id))[0] == 0
    assert run(env, "users", "token", "revoke", str(token_id))[0] == 2  # already revoked
    assert run(env, "users", "disable", "svc")[0] == 0
    _, out = run(env, "audit", "list", "--json")
    actions = [e["action"] for e in json.loads(out)]
    assert actions[:4] == ["users.disable", "tokens.revoke", "tokens.create", "users.add"]
    assert run(env, "audit", "verify")[0] == 0


def _chain(env: dict[str, str], count: int = 5) -> SqlAuditLog:
    """Entries written as the server writes them (its key ring, so its chain key)."""
    settings = Settings(db_url=env["REVCYCLE_DB_URL"], data_dir=Path(env["REVCYCLE_DATA_DIR"]), workers=False)
    log = build(settings).audit
    for n in range(count):
        log.record(
            AuditEntry(actor=f"user{n}", action="patients.read", kind="phi-read", record=f"patient_id={n}")
        )
    return log


def test_verify_passes_an_intact_chain_and_reports_its_head(env: dict[str, str]) -> None:
    _chain(env)
    code, out = run(env, "audit", "verify", "--json")
    report = json.loads(out)
    assert code == 0 and report["intact"] and report["entries"] == 5 and report["head"].startswith("5:")
    assert run(env, "audit", "verify", "--expect-head", report["head"])[0] == 0


def test_verify_detects_an_edited_entry(env: dict[str, str]) -> None:
    log = _chain(env)
    with log.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(actor="someone-else"))
    code, out = run(env, "audit", "verify", "--json")
    assert code == 4 and json.loads(out)["breaks"] == [{"seq": 3, "row_id": 3, "problem": "edited"}]


def test_verify_detects_an_edit_even_with_the_chain_recomputed(env: dict[str, str]) -> None:
    """Someone with database access edits an entry and rewrites every later hash; without the chain
    key (kept with the PHI keys, outside the database) the result still fails verification."""
    log = _chain(env)
    with log.engine.begin() as conn:
        rows = [r._asdict() for r in conn.execute(select(audit_log).order_by(audit_log.c.seq))]
        rows[1]["actor"] = "someone-else"
        prev = rows[0]["hash"]
        for row in rows[1:]:
            row["prev_hash"] = prev
            row["hash"] = prev = entry_hash(prev, row)  # the best forgery without the key
            conn.execute(
                update(audit_log)
                .where(audit_log.c.id == row["id"])
                .values(actor=row["actor"], prev_hash=row["prev_hash"], hash=row["hash"])
            )
    code, out = run(env, "audit", "verify", "--json")
    assert code == 4 and {b["problem"] for b in json.loads(out)["breaks"]} == {"edited"}


def test_verify_detects_a_deleted_entry(env: dict[str, str]) -> None:
    log = _chain(env)
    with log.engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    code, out = run(env, "audit", "verify")
    assert code == 4 and "BROKEN at seq 3" in out and "missing" in out


def test_verify_detects_reordered_entries(env: dict[str, str]) -> None:
    log = _chain(env)
    with log.engine.begin() as conn:  # swap the contents of rows 2 and 4, keeping every row's own hash
        rows = {
            r.seq: r._asdict() for r in conn.execute(select(audit_log).where(audit_log.c.seq.in_((2, 4))))
        }
        for seq, other in ((2, 4), (4, 2)):
            values = {k: v for k, v in rows[other].items() if k not in ("id", "seq")}
            conn.execute(
                update(audit_log).where(audit_log.c.id == rows[seq]["id"]).values(seq=-seq, **values)
            )
        for seq, other in ((2, 4), (4, 2)):
            conn.execute(update(audit_log).where(audit_log.c.seq == -seq).values(seq=other))
    code, out = run(env, "audit", "verify", "--json")
    problems = {b["problem"] for b in json.loads(out)["breaks"]}
    assert code == 4 and "reordered" in problems


def test_verify_detects_the_newest_entries_cut_off_given_the_head(env: dict[str, str]) -> None:
    log = _chain(env)
    head = json.loads(run(env, "audit", "verify", "--json")[1])["head"]
    with log.engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 5))
    assert run(env, "audit", "verify")[0] == 0  # a shorter chain is still a chain...
    assert run(env, "audit", "verify", "--expect-head", head)[0] == 4  # ...but not the one we saw


def test_prune_keeps_the_rest_verifiable(env: dict[str, str]) -> None:
    from datetime import UTC, datetime, timedelta

    log = _chain(env, 3)
    log.prune(datetime.now(UTC) + timedelta(seconds=1), actor="test")
    _chain(env, 2)
    code, out = run(env, "audit", "verify", "--json")
    assert code == 0 and json.loads(out)["entries"] == 3, out
