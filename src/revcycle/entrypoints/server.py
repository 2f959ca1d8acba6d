"""``revcycle serve`` and ``revcycle demo``: uvicorn running the app, the runtime inside its lifespan."""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import click
import httpx
import uvicorn

from revcycle.bootstrap import build
from revcycle.entrypoints.api.app import create_app
from revcycle.settings import Settings

log = logging.getLogger(__name__)


def run_server(settings: Settings, *, banner: str | None = None) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # request lines (with URLs) are not our log
    app = create_app(lambda: build(settings))
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level.lower(),
        access_log=False,  # request lines could carry identifiers in query strings
        timeout_graceful_shutdown=10,
    )
    if banner:
        click.echo(banner)
    uvicorn.Server(config).run()


def find_samples(explicit: Path | None) -> Path | None:
    """The shared sample folder: explicit, ``$REVCYCLE_SHARED_DATA``, or ``../shared/data`` near here."""
    candidates = [explicit] if explicit else []
    if os.environ.get("REVCYCLE_SHARED_DATA"):
        candidates.append(Path(os.environ["REVCYCLE_SHARED_DATA"]))
    candidates += [Path.cwd().parent / "shared" / "data", Path.cwd() / "shared" / "data"]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir():
            return candidate
    return None


def run_demo(
    settings: Settings,
    samples: Path | None,
    *,
    backfill_days: int = 30,
    rate: float = 300.0,
    speed: float = 1.0,
    seed: int = 1,
) -> None:
    """``serve`` plus the simulator streaming a synthetic provider network into it: first
    ``backfill_days`` of history (unpaced, at most ``rate`` messages/s), then live, ``speed`` simulated
    hours per real second, until Ctrl-C. ``samples`` (the shared sample files) are ingested first."""
    from revcycle.entrypoints.ingest_files import ingest_local

    folder = find_samples(samples) if samples is not None else None
    if folder is not None:
        paths = [folder / kind for kind in ("hl7v2", "x12", "fhir") if (folder / kind).is_dir()]
        report = ingest_local(build(settings), paths)
        click.echo(f"demo data: {report.files} sample files from {folder}, {report.processed} processed")
    url = f"http://{settings.http_host}:{settings.http_port}"
    stop = threading.Event()
    feeder = threading.Thread(
        target=_feed,
        args=(settings, url, stop, backfill_days, rate, speed, seed),
        name="demo-simulator",
        daemon=True,
    )
    feeder.start()
    login = (
        "API token: $REVCYCLE_API_TOKEN"
        if settings.api_token
        else "no login needed (accounts not enabled yet)"
    )
    try:
        run_server(
            settings,
            banner=(
                f"revcycle demo at {url}  (console: {url}/console, health: {url}/health, "
                f"messages: {url}/api/v1/messages, claims: {url}/api/v1/claims)\n{login}\n"
                f"demo data: simulated provider network, {backfill_days} days of history then live"
            ),
        )
    finally:
        stop.set()
        feeder.join(10)


def _feed(
    settings: Settings,
    url: str,
    stop: threading.Event,
    backfill_days: int,
    rate: float,
    speed: float,
    seed: int,
) -> None:
    """Wait for the server, then stream the simulator into it over MLLP and HTTP."""
    from revcycle.simulator.config import SimConfig
    from revcycle.simulator.live import LiveOptions, Unreachable, stream

    deadline = time.monotonic() + 120
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.25)
    start = date.today() - timedelta(days=backfill_days)
    config = SimConfig(seed=seed, start=start, days=0)
    options = LiveOptions(
        url,
        mllp=(settings.mllp_host, settings.mllp_port),
        rate=rate,
        speed=speed,
        token=settings.api_token,
        backfill_days=backfill_days,
    )
    try:
        stream(config, options, stop=stop, endless=True)
    except Unreachable:
        if not stop.is_set():
            log.warning("demo simulator: the server went away")
