"""``revcycle demo`` from the README: a real subprocess that ingests the samples and answers /health."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.server import free_port


def test_demo_serves_and_is_fed_live_by_the_simulator(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "REVCYCLE_DATA_DIR": str(tmp_path / "data"),
        "REVCYCLE_HTTP_PORT": str(port),
        "REVCYCLE_MLLP_PORT": str(free_port()),
    }
    log = tmp_path / "demo.log"
    command = [
        sys.executable,
        "-m",
        "revcycle.entrypoints.cli",
        "demo",
        "--backfill-days",
        "3",
        "--rate",
        "200",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        wanted = ("masterdata", "hl7v2", "fhir", "x12")
        seen: set[str] = set()
        headers: dict[str, str] = {}
        while time.monotonic() < deadline and process.poll() is None and seen != set(wanted):
            if not headers and (
                printed := re.search(r"admin API token \(shown once\): (\S+)", log.read_text())
            ):
                headers = {"Authorization": f"Bearer {printed.group(1)}"}
            for fmt in wanted:
                try:
                    found = httpx.get(
                        f"{url}/api/v1/messages",
                        params={"format": fmt, "limit": 1},
                        headers=headers,
                        timeout=2,
                    )
                except httpx.HTTPError:
                    break
                if found.status_code == 200 and found.json()["items"]:
                    seen.add(fmt)
            time.sleep(1)
        assert seen == set(wanted), log.read_text()[-3000:]
        assert httpx.get(f"{url}/health").status_code == 200
        assert f"revcycle demo at {url}" in log.read_text()
        assert re.search(r"user admin, password \S{12,}", log.read_text())  # the first admin, printed once
        assert httpx.get(f"{url}/api/v1/messages").status_code == 401  # auth is on in the demo
        processed = httpx.get(
            f"{url}/api/v1/messages", params={"status": "processed", "limit": 10}, headers=headers
        ).json()["items"]
        assert processed  # the worker is processing what the simulator sends
        posted: list[dict[str, object]] = []
        while time.monotonic() < deadline + 60 and not posted:  # journals reach the demo's ERP emulator
            found = httpx.get(
                f"{url}/api/v1/journals",
                params={"status": "acknowledged", "limit": 5},
                headers=headers,
                timeout=5,
            )
            posted = found.json()["items"]
            time.sleep(1)
        assert posted and all(str(j["document_id"]).startswith("DOC-") for j in posted), log.read_text()[
            -3000:
        ]
        assert "ERP: journals posted to the ERP emulator at http://" in log.read_text()
    finally:
        process.terminate()
        process.wait(30)
    assert process.returncode in (0, -15)  # stopped cleanly
