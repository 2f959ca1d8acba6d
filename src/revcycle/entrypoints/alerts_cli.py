"""``revcycle alerts check [FILE]``: validate an alert rules file (default: ``REVCYCLE_ALERT_RULES``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from revcycle.service_layer.alerts.rules import AlertConfigError, load_config


@click.group()
def alerts() -> None:
    """Alert rules and channels."""


@alerts.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def alerts_check(path: Path | None, as_json: bool) -> None:
    """Validate the alert rules file and explain every problem (exit 1 when invalid)."""
    if path is None:
        from revcycle.entrypoints.cli import _settings

        path = _settings().alert_rules
    try:
        config = load_config(path)
    except AlertConfigError as error:
        problems = [{"where": where, "problem": why} for where, why in error.problems]
        if as_json:
            click.echo(json.dumps({"valid": False, "problems": problems}, indent=2))
        else:
            for p in problems:
                click.echo(f"invalid {p['where']}: {p['problem']}", err=True)
        sys.exit(1)
    rules = [{"name": r.name, "kind": r.kind, "channels": list(r.channels)} for r in config.rules]
    if as_json:
        click.echo(json.dumps({"valid": True, "rules": rules, "channels": sorted(config.channels)}, indent=2))
        return
    click.echo(f"{path or 'default rules'}: {len(rules)} rules are valid")
    for rule in rules:
        click.echo(f"  {rule['name']} ({rule['kind']}) -> {', '.join(rule['channels'])}")
