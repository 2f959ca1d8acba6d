"""``revcycle remit enter``: a paper remittance from a file into the local store, posted as an 835 is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from revcycle.adapters.store.billing_queries import BillingQueries, Page
from revcycle.bootstrap import store_engine
from revcycle.entrypoints.cli import main
from revcycle.settings import Settings
from tests.lifecycle_x12 import ClaimSamples

ENTRY = {
    "trace_number": "CHK-901",
    "payer_id": "BCBS01",
    "payment_amount": "80.00",
    "claims": [
        {
            "patient_control_number": "V9001",
            "charge": "173.00",
            "paid": "80.00",
            "patient_responsibility": "20.00",
            "services": [
                {
                    "procedure_code": "99213",
                    "modifiers": ["25"],
                    "charge": "125",
                    "paid": "80",
                    "line_control_number": "V9001-1",
                    "adjustments": [
                        {"group": "CO", "reason": "45", "amount": "25"},
                        {"group": "PR", "reason": "2", "amount": "20"},
                    ],
                },
                {
                    "procedure_code": "93000",
                    "charge": "48",
                    "paid": "0",
                    "line_control_number": "V9001-2",
                    "adjustments": [{"group": "CO", "reason": "97", "amount": "48"}],
                },
            ],
        }
    ],
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    for name in ("REVCYCLE_DB_URL", "REVCYCLE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return {"REVCYCLE_DATA_DIR": str(tmp_path / "data")}


def test_a_paper_remittance_is_entered_and_posted(env: dict[str, str], tmp_path: Path) -> None:
    claim = tmp_path / "claim.x12"
    claim.write_bytes(ClaimSamples("V9001", 9).claim_837())
    entry = tmp_path / "eob.json"
    entry.write_text(json.dumps(ENTRY))
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(claim)], env=env).exit_code == 0
    result = runner.invoke(
        main, ["remit", "enter", str(entry), "--by", "jdoe", "--source", "paper EOB", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["duplicate"] is False and body["processed"] == 1
    engine = store_engine(Settings(data_dir=tmp_path / "data"))
    queries = BillingQueries(engine)
    [remit] = queries.remittances(Page(), trace_number="CHK-901")
    assert remit["source"] == "manual" and remit["manual_entry"]["entered_by"] == "jdoe"
    assert remit["manual_entry"]["source"] == "paper EOB"
    detail = queries.claim(int(remit["claim_id"]))
    assert detail is not None and detail["status"] == "posted"
    assert detail["balance"]["patient_balance"] == "20.00" and detail["balance"]["denied"] == "48.00"
    again = runner.invoke(
        main, ["remit", "enter", str(entry), "--by", "jdoe", "--source", "paper EOB"], env=env
    )
    assert again.exit_code == 0  # acknowledged; the payment itself is not posted twice
    assert queries.claim(int(remit["claim_id"]))["balance"]["insurance_paid"] == "80.00"  # type: ignore[index]
    engine.dispose()


def test_an_invalid_entry_exits_2_with_the_reason(env: dict[str, str], tmp_path: Path) -> None:
    entry = tmp_path / "eob.json"
    entry.write_text(json.dumps(ENTRY | {"claims": []}))
    result = CliRunner().invoke(
        main, ["remit", "enter", str(entry), "--by", "jdoe", "--source", "fax"], env=env
    )
    assert result.exit_code == 2 and "at least one claim payment" in result.output
    (tmp_path / "junk.json").write_text("not json")
    result = CliRunner().invoke(main, ["remit", "enter", str(tmp_path / "junk.json")], env=env)
    assert result.exit_code == 1 and "not UTF-8 JSON" in result.output
