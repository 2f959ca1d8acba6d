"""The command line on a real SQLite store: config check, db upgrade, ingest, dead-letter commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from revcycle.entrypoints.cli import main

VALID_PROVIDERS = json.dumps({"kind": "provider", "records": [{"npi": "1234567893", "name": "North Clinic"}]})
BAD_PROVIDERS = json.dumps({"kind": "provider", "records": [{"npi": "1234567890", "name": "North Clinic"}]})


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray revcycle.toml
    for name in ("REVCYCLE_DB_URL", "REVCYCLE_API_TOKEN", "REVCYCLE_HTTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    return {"REVCYCLE_DATA_DIR": str(tmp_path / "data")}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_config_check_explains_every_invalid_setting(env: dict[str, str]) -> None:
    code, out = run(env, "config", "check")
    assert code == 0 and "settings are valid" in out and "http_port = 8000" in out
    bad = {
        **env,
        "REVCYCLE_HTTP_PORT": "eighty",
        "REVCYCLE_DB_URL": "mysql://x",
        "REVCYCLE_LOG_LEVEL": "LOUD",
    }
    code, out = run(bad, "config", "check", "--json")
    assert code == 1
    problems = {p["setting"]: p["problem"] for p in json.loads(out)["problems"]}
    assert set(problems) == {"REVCYCLE_HTTP_PORT", "REVCYCLE_DB_URL", "REVCYCLE_LOG_LEVEL"}
    assert "integer" in problems["REVCYCLE_HTTP_PORT"] and "sqlite://" in problems["REVCYCLE_DB_URL"]


def test_config_from_toml_file(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "revcycle.toml").write_text("http_port = 9123\nmllp_port = 2600\n")
    code, out = run(env, "config", "check", "--json")
    assert code == 0 and json.loads(out)["settings"]["http_port"] == 9123
    code, out = run({**env, "REVCYCLE_HTTP_PORT": "9200"}, "config", "check", "--json")
    assert json.loads(out)["settings"]["http_port"] == 9200  # the environment wins


def test_db_upgrade(env: dict[str, str]) -> None:
    code, out = run(env, "db", "upgrade")
    # the head revision: 0001 plus whichever feature migrations are chained after it
    assert code == 0 and re.fullmatch(r"database at revision \d{4}\n", out)


def test_ingest_then_dead_letters_list_show_and_edit_replay(env: dict[str, str], tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "providers.json").write_text(VALID_PROVIDERS)
    (inbox / "bad-providers.json").write_text(BAD_PROVIDERS)
    (inbox / "junk.bin").write_bytes(b"\x00\x01\x02 not a message")
    code, out = run(env, "ingest", str(inbox), "--json")
    report = json.loads(out)
    assert code == 2  # one file rejected at the edge
    assert (report["files"], report["accepted"], len(report["rejected"])) == (3, 2, 1)
    assert report["rejected"][0]["file"] == "junk.bin" and report["processed"] == 2

    code, out = run(env, "ingest", str(inbox / "providers.json"), "--json")
    assert json.loads(out)["duplicates"] == 1  # a resend is not stored twice

    code, out = run(env, "dlq", "list", "--json")
    letters = json.loads(out)
    assert code == 0 and sorted(d["reason_code"] for d in letters) == ["mapping_error", "unknown_format"]
    mapping = next(d for d in letters if d["reason_code"] == "mapping_error")
    code, out = run(env, "dlq", "show", str(mapping["id"]))
    assert (
        code == 0 and "stage map" in out and "1234567890" in out
    )  # the raw message is shown to the operator

    fixed = tmp_path / "fixed.json"
    fixed.write_text(VALID_PROVIDERS.replace("North Clinic", "North Clinic LLC"))
    code, out = run(
        env, "dlq", "replay", str(mapping["id"]), "--edit", str(fixed), "--actor", "dana", "--json"
    )
    result = json.loads(out)
    assert code == 0 and result["results"][0]["outcome"] == "requeued" and result["processed"] == 1
    code, out = run(env, "dlq", "list", "--json")
    assert [d["reason_code"] for d in json.loads(out)] == ["unknown_format"]

    junk = json.loads(run(env, "dlq", "list", "--json")[1])[0]
    code, out = run(env, "dlq", "replay", str(junk["id"]))
    assert code == 2 and "still_unreadable" in out


def test_ingest_to_an_unreachable_server_exits_3(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text(VALID_PROVIDERS)
    code, out = run(env, "ingest", str(tmp_path / "m.json"), "--url", "http://127.0.0.1:9")
    assert code == 3 and "cannot reach" in out
