"""Real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, installed here with apt when
missing: no tool downloads a browser of its own) driving a real ``revcycle serve`` that the simulator
has fed. Screenshots land in ``tests/e2e/artifacts/`` (git-ignored)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO_ROOT, services_required
from tests.e2e.server import ServerProcess

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = REPO_ROOT / "tests" / "e2e" / "artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--window-size=1366,900",
)


def _install_chromium() -> str | None:
    """apt-get install Debian's chromium and its driver; the reason when that is not possible."""
    if Path(CHROMIUM).exists() and Path(DRIVER).exists():
        return None
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return "chromium is missing and apt-get (as root) is not available to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]
    if subprocess.run(command, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        result = subprocess.run(command, env=env, capture_output=True, check=False)
        if result.returncode != 0:
            return f"apt-get install chromium failed: {result.stderr.decode(errors='replace')[-500:]}"
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    problem = _install_chromium()
    if problem:
        if services_required():
            pytest.fail(problem)
        pytest.skip(problem)
    return CHROMIUM


@pytest.fixture(scope="session")
def fed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """``revcycle serve`` fed three weeks of a small simulated network (HL7 over MLLP, X12, FHIR, master
    data over HTTP), waited on until the worker has processed everything."""
    from revcycle.simulator.config import SimConfig
    from revcycle.simulator.live import LiveOptions, stream

    env = {"REVCYCLE_ALERT_POLL_SECONDS": "0.2", "REVCYCLE_COOKIE_SECURE": "false"}  # plain http on loopback
    server = ServerProcess(tmp_path_factory.mktemp("console-e2e"), env=env)
    server.start()
    try:
        days = 21
        config = SimConfig(seed=11, start=date.today() - timedelta(days=days), days=days, visits_per_day=12)
        options = LiveOptions(
            server.url,
            mllp=("127.0.0.1", server.mllp_port),
            rate=5000,
            backfill_days=days,
            token=server.token,
        )
        stream(config, options, stop=threading.Event())
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            waiting = httpx.get(
                f"{server.url}/api/v1/messages",
                params={"status": "accepted", "limit": 1},
                headers=server.headers,
            ).json()
            if not waiting["items"]:
                break
            time.sleep(0.5)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a driver or a browser
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(60)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


OPERATOR = "e2e-operator"


@pytest.fixture(scope="session")
def console(browser: Any, fed_server: ServerProcess) -> Any:
    """The browser signed in once through the real login page, as a user made with ``revcycle users
    add``: the first visit to a page is sent to the login form and, signed in, back to that page."""
    from selenium.webdriver.support.ui import WebDriverWait

    password = fed_server.add_user(OPERATOR, "billing-admin")
    browser.get(f"{fed_server.url}/console/revenue")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements("css selector", "#login-form"))
    assert "/console/login?next=%2Fconsole%2Frevenue" in browser.current_url
    browser.find_element("css selector", "#username").send_keys(OPERATOR)
    browser.find_element("css selector", "#password").send_keys(password)
    browser.find_element("css selector", "#sign-in").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements("css selector", "#signed-in-user"))
    assert browser.current_url.endswith("/console/revenue")
    assert browser.find_element("css selector", "#signed-in-user").text == OPERATOR
    return browser
