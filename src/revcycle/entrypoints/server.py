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
from revcycle.entrypoints.edge_process import reuse_port_available
from revcycle.settings import Settings

log = logging.getLogger(__name__)


def refuse_unsafe(settings: Settings) -> None:
    """``auth_disabled`` exists for test fixtures; a server refuses it unless explicitly allowed."""
    if settings.auth_disabled and os.environ.get("REVCYCLE_ALLOW_AUTH_DISABLED") != "1":
        click.echo(
            "refusing to serve with REVCYCLE_AUTH_DISABLED (test fixtures only); "
            "set REVCYCLE_ALLOW_AUTH_DISABLED=1 as well if you really mean it",
            err=True,
        )
        raise SystemExit(1)
    if settings.mllp_processes > 1 and not reuse_port_available():
        click.echo("REVCYCLE_MLLP_PROCESSES > 1 needs SO_REUSEPORT, which this platform lacks", err=True)
        raise SystemExit(1)
    if bool(settings.tls_cert_file) != bool(settings.tls_key_file):
        click.echo("REVCYCLE_TLS_CERT_FILE and REVCYCLE_TLS_KEY_FILE go together", err=True)
        raise SystemExit(1)


def run_server(settings: Settings, *, banner: str | None = None) -> None:
    refuse_unsafe(settings)
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
        ssl_certfile=str(settings.tls_cert_file) if settings.tls_cert_file else None,
        ssl_keyfile=str(settings.tls_key_file) if settings.tls_key_file else None,
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
    from revcycle.entrypoints.erp_runtime import start_demo_emulator
    from revcycle.entrypoints.ingest_files import ingest_local

    erp, settings = start_demo_emulator(settings)  # serve's ERP poster posts to it
    folder = find_samples(samples) if samples is not None else None
    if folder is not None:
        paths = [folder / kind for kind in ("hl7v2", "x12", "fhir") if (folder / kind).is_dir()]
        report = ingest_local(build(settings), paths)
        click.echo(f"demo data: {report.files} sample files from {folder}, {report.processed} processed")
    refuse_unsafe(settings)
    scheme = "https" if settings.tls_cert_file else "http"
    url = f"{scheme}://{settings.http_host}:{settings.http_port}"
    login, feed_token = demo_accounts(settings)
    stop = threading.Event()
    feeder = threading.Thread(
        target=_feed,
        args=(settings, url, stop, backfill_days, rate, speed, seed, feed_token),
        name="demo-simulator",
        daemon=True,
    )
    feeder.start()
    try:
        run_server(
            settings,
            banner=(
                f"revcycle demo at {url}  (console: {url}/console, health: {url}/health, "
                f"messages: {url}/api/v1/messages, claims: {url}/api/v1/claims)\n{login}\n"
                f"demo data: simulated provider network, {backfill_days} days of history then live\n"
                f"ERP: journals posted to the ERP emulator at {erp.url}/journals "
                f"(ours: {url}/api/v1/journals, control report: {url}/api/v1/reconciliation)"
            ),
        )
    finally:
        stop.set()
        feeder.join(10)
        erp.shutdown()


def _feed(
    settings: Settings,
    url: str,
    stop: threading.Event,
    backfill_days: int,
    rate: float,
    speed: float,
    seed: int,
    token: str,
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
        token=token,
        backfill_days=backfill_days,
    )
    try:
        stream(config, options, stop=stop, endless=True)
    except Unreachable:
        if not stop.is_set():
            log.warning("demo simulator: the server went away")


def demo_accounts(settings: Settings) -> tuple[str, str]:
    """The first administrator (created on an empty store, its password and token printed this once)
    and a fresh integration-engineer token for the demo's simulator. Returns (login text, feed token)."""
    from revcycle.adapters.store.accounts import AccountError
    from revcycle.security import credentials
    from revcycle.security.permissions import Role

    accounts = build(settings).accounts
    if accounts.has_users():
        login = "sign in with your account (revcycle users add NAME --role billing-admin adds one)"
    else:
        password = credentials.new_password()
        accounts.add_user("admin", (Role.BILLING_ADMIN,), password)
        _, token = accounts.create_token("admin", "demo")
        login = (
            f"first administrator (shown once): user admin, password {password}\n"
            f"admin API token (shown once): {token}"
        )
    try:
        accounts.user("demo-feeder")
    except AccountError:
        accounts.add_user("demo-feeder", (Role.INTEGRATION_ENGINEER,), None)
    _, feed_token = accounts.create_token("demo-feeder", "demo simulator")
    return login, feed_token
