"""``revcycle serve`` and ``revcycle demo``: uvicorn running the app, the runtime inside its lifespan."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click
import uvicorn

from revcycle.bootstrap import build
from revcycle.entrypoints.api.app import create_app
from revcycle.settings import Settings


def run_server(settings: Settings, *, banner: str | None = None) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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


def run_demo(settings: Settings, samples: Path | None) -> None:
    """Until the simulator lands: ingest the shared samples into the store, then serve."""
    from revcycle.entrypoints.ingest_files import ingest_local

    folder = find_samples(samples)
    if folder is not None:
        paths = [folder / kind for kind in ("hl7v2", "x12", "fhir") if (folder / kind).is_dir()]
        report = ingest_local(build(settings), paths)
        click.echo(
            f"demo data: {report.files} sample files from {folder}: {report.accepted} accepted, "
            f"{report.duplicates} already held, {len(report.rejected)} rejected, {report.processed} processed"
        )
    else:
        click.echo("demo data: no sample folder found (set REVCYCLE_SHARED_DATA); starting empty")
    url = f"http://{settings.http_host}:{settings.http_port}"
    login = (
        "API token: $REVCYCLE_API_TOKEN"
        if settings.api_token
        else "no login needed (accounts not enabled yet)"
    )
    run_server(
        settings,
        banner=f"revcycle demo at {url}  (health: {url}/health, messages: {url}/api/v1/messages)\n{login}",
    )
