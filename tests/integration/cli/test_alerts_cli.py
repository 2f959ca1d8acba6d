"""``revcycle alerts check``: valid files list their rules, invalid ones explain every problem."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from revcycle.entrypoints.cli import main


def test_check_explains_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(
        '[[rules]]\nname = "x"\nkind = "denial_rate"\n[[rules]]\nname = "y"\nkind = "finding"\nchannels = ["pager"]\n'
    )
    result = CliRunner().invoke(main, ["alerts", "check", str(path), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    assert {"where": "rules[0] (x).threshold_percent", "problem": "Field required"} in problems


def test_check_lists_a_valid_files_rules(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text('[[rules]]\nname = "late"\nkind = "claim_unbilled"\nafter_days = 3\n')
    result = CliRunner().invoke(main, ["alerts", "check", str(path)])
    assert result.exit_code == 0
    assert "1 rules are valid" in result.output and "late (claim_unbilled) -> in_app" in result.output
