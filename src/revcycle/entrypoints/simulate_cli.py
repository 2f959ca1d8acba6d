"""``revcycle simulate``: the synthetic provider network, to files (``--out``) or live (``--to``).

Registered on the main group by ``entrypoints/cli.py``. Exit codes as the rest of the CLI: 0 success,
1 usage, 3 the server could not be reached.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from revcycle.simulator.config import SimConfig
    from revcycle.simulator.live import LiveOptions

EXIT_USAGE, EXIT_UNAVAILABLE = 1, 3


def _mllp(value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter("expected HOST:PORT", param_hint="--mllp")
    return host, int(port)


@click.command("simulate")
@click.option(
    "--out", "out", type=click.Path(path_type=Path, file_okay=False), help="write files to this folder"
)
@click.option("--to", "url", help="stream to a running server at this base URL")
@click.option(
    "--days", type=click.IntRange(min=0), default=7, show_default=True, help="days (0 with --to: endless)"
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="first day (YYYY-MM-DD)"
)
@click.option("--visits-per-day", type=click.IntRange(min=1), default=120, show_default=True)
@click.option("--anomaly-scale", type=click.FloatRange(min=0), default=1.0, show_default=True)
@click.option("--layout", type=click.Choice(["message", "daily"]), default="message", show_default=True)
@click.option("--shards", type=click.IntRange(min=1, max=9), default=1, show_default=True,
              help="split the network into N slices generated in parallel (with --out)")  # fmt: skip
@click.option("--codesets", type=click.Path(path_type=Path, file_okay=False), default=None)
@click.option("--mllp", "mllp", default=None, help="send HL7 v2 over MLLP to HOST:PORT (with --to)")
@click.option("--rate", type=click.FloatRange(min=0), default=200.0, show_default=True, help="max messages/s")
@click.option("--speed", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="simulated hours per real second (0: no pacing)")  # fmt: skip
@click.option("--backfill-days", type=click.IntRange(min=0), default=0, help="first days sent unpaced")
@click.option("--labels", "labels_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="labels file (with --to)")  # fmt: skip
@click.option("--token", envvar="REVCYCLE_API_TOKEN", default=None, help="API bearer token")
@click.option(
    "--retries", type=click.IntRange(min=0), default=4, show_default=True, help="resends on transport errors"
)
@click.option("--json", "as_json", is_flag=True, help="print the manifest as JSON")
def simulate(
    out: Path | None, url: str | None, days: int, seed: int, start: datetime | None, visits_per_day: int,
    anomaly_scale: float, layout: str, shards: int, codesets: Path | None, mllp: str | None, rate: float,
    speed: float, backfill_days: int, labels_path: Path | None, token: str | None, retries: int,
    as_json: bool,
) -> None:  # fmt: skip
    """The synthetic provider network: seeded, deterministic, with ground-truth labels."""
    from revcycle.simulator.config import SimConfig

    if (out is None) == (url is None):
        click.echo("give exactly one of --out DIR or --to URL", err=True)
        sys.exit(EXIT_USAGE)
    if out is not None and days == 0:
        click.echo("--days 0 (endless) needs --to", err=True)
        sys.exit(EXIT_USAGE)
    first = start.date() if start else date(2026, 1, 5)
    config = SimConfig(seed, first, days, visits_per_day, anomaly_scale=anomaly_scale, codesets=codesets)
    began = time.perf_counter()
    if out is not None:
        from revcycle.simulator.files import write, write_sharded

        if shards > 1:
            manifest = write_sharded(config, out, shards, layout=layout)
        else:
            manifest = write(config, out, layout=layout).as_dict()
        where = str(out)
    else:
        options = _options(url or "", mllp, rate, speed, backfill_days, token, retries)
        manifest = _live(config, options, labels_path)
        where = url or ""
    elapsed = time.perf_counter() - began
    if as_json:
        click.echo(json.dumps(manifest, indent=2))
        return
    messages = manifest["messages"]
    click.echo(
        f"{messages['total']} messages ({', '.join(f'{k} {v}' for k, v in messages['by_format'].items())}), "
        f"{sum(manifest['claims'].values())} claims, {sum(manifest['anomalies'].values())} anomalies "
        f"-> {where} in {elapsed:.1f}s"
    )


def _options(url: str, mllp: str | None, rate: float, speed: float, backfill: int, token: str | None,
             retries: int) -> LiveOptions:  # fmt: skip
    from revcycle.simulator.live import LiveOptions

    return LiveOptions(url, _mllp(mllp), rate, speed, token, backfill, retries=retries)


def _live(config: SimConfig, options: LiveOptions, labels_path: Path | None) -> dict[str, object]:
    from revcycle.simulator.live import Unreachable, stream

    handle = labels_path.open("w", encoding="utf-8") if labels_path else None
    try:
        manifest, report = stream(config, options, labels=handle, endless=config.days == 0)
    except Unreachable as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_UNAVAILABLE)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
        sys.exit(0)
    finally:
        if handle is not None:
            handle.close()
    result = manifest.as_dict()
    result["live"] = {"sent": report.sent, "outcomes": dict(sorted(report.outcomes.items()))}
    return result
