"""``revcycle demo`` from the README: a real subprocess that ingests the samples and answers /health."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.server import free_port


def test_demo_ingests_the_shared_samples_and_serves(tmp_path: Path, shared_data: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "REVCYCLE_DATA_DIR": str(tmp_path / "data"),
        "REVCYCLE_HTTP_PORT": str(port),
        "REVCYCLE_MLLP_PORT": str(free_port()),
        "REVCYCLE_SHARED_DATA": str(shared_data),
    }
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "revcycle.entrypoints.cli", "demo"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200, log.read_text()[-3000:]
        text = log.read_text()
        assert "demo data:" in text and f"http://127.0.0.1:{port}" in text
        messages = httpx.get(f"http://127.0.0.1:{port}/api/v1/messages", params={"limit": 1000}).json()[
            "items"
        ]
        assert len(messages) > 50  # the samples are in the inbound log
        assert {m["format"] for m in messages} >= {"hl7v2", "x12", "fhir"}
    finally:
        process.terminate()
        process.wait(30)
    assert process.returncode in (0, -15)  # stopped cleanly
