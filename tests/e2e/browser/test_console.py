"""The console in real headless Chromium against a real server fed by the simulator: every page shows
the store's numbers, filters change them, a dead letter is edited and replayed from its page, an alert
is acknowledged from the alerts page. Waits are on DOM conditions, never sleeps."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.browser.conftest import ARTIFACTS, OPERATOR
from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.slow
TIMEOUT = 30


def _wait(driver: Any, condition: Any) -> Any:
    """Wait for ``condition``; an element found on a page that was being replaced (a form submitted,
    a refresh) is stale, which only means "not yet": try again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, TIMEOUT, ignored_exceptions=ignored).until(condition)


def _text(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def _money(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", ""))


def _shot(driver: Any, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def test_overview_shows_live_figures(console: Any, fed_server: ServerProcess) -> None:
    console.get(f"{fed_server.url}/console")
    _wait(
        console,
        lambda d: int(d.find_element("css selector", "body").get_attribute("data-live-updates") or 0) >= 1,
    )
    dead = int(_text(console, '[data-metric="dead_letters"]').replace(",", ""))
    api_dead = httpx.get(
        f"{fed_server.url}/api/v1/dead-letters", params={"limit": 1000}, headers=fed_server.headers
    ).json()["items"]
    assert dead == len(api_dead)
    assert _money(_text(console, '[data-metric="charges"]')) > 0  # the feed's charges arrived today
    assert console.find_elements("css selector", 'svg[data-chart="messages per minute"] polyline')
    _shot(console, "overview")


def test_revenue_page_and_a_payer_filter(console: Any, fed_server: ServerProcess) -> None:
    console.get(f"{fed_server.url}/console/revenue")
    total = _money(_text(console, "#kpi-charges"))
    billed = _money(_text(console, "#breakdown tbody tr:first-child td:nth-child(3)"))
    payer = _text(console, "#breakdown tbody tr:first-child td:first-child")
    assert total > 0 and billed > 0
    field = console.find_element("css selector", "#revenue-filter input[name=payer]")
    field.send_keys(payer)
    field.submit()
    _wait(console, lambda d: f"payer={payer}" in d.current_url)
    rows = console.find_elements("css selector", "#breakdown tbody tr")
    assert [r.find_element("css selector", "td").text for r in rows] == [payer]
    assert _money(_text(console, "#breakdown tbody tr:first-child td:nth-child(3)")) == billed
    assert _money(_text(console, "#kpi-charges")) < total  # charges narrowed to that payer's visits
    _shot(console, "revenue-filtered")
    csv = httpx.get(
        f"{fed_server.url}/console/revenue.csv", params={"payer": payer}, headers=fed_server.headers
    ).text
    assert f"filter,payer,{payer}" in csv


def test_claim_and_patient_pages_via_search(console: Any, fed_server: ServerProcess) -> None:
    claim = httpx.get(
        f"{fed_server.url}/api/v1/claims", params={"limit": 1}, headers=fed_server.headers
    ).json()["items"][0]
    console.get(f"{fed_server.url}/console")
    box = console.find_element("css selector", "header form.search input[name=q]")
    box.send_keys(claim["patient_control_number"])
    box.submit()
    _wait(console, lambda d: f"/console/claims/{claim['id']}" in d.current_url)
    assert _money(_text(console, "#claim-charge")) == Decimal(claim["total_charge"])
    assert console.find_elements("css selector", "#timeline tbody tr")
    _shot(console, "claim")


def test_dead_letter_edited_and_replayed_from_its_page(console: Any, fed_server: ServerProcess) -> None:
    bad = json.dumps([{"npi": "1234567890", "name": "E2E"}])  # NPI check digit wrong: dead letter
    httpx.post(
        f"{fed_server.url}/api/v1/master-data/provider",
        content=bad,
        headers={"content-type": "application/json", **fed_server.headers},
    )
    console.get(f"{fed_server.url}/console/operations")

    def row(d: Any) -> Any:
        d.refresh()
        found = [
            r
            for r in d.find_elements("css selector", "#dead-letters tr[data-dead-letter]")
            if "mapping_error" in r.text
        ]
        return found[0] if found else False

    letter_id = _wait(console, row).get_attribute("data-dead-letter")
    _shot(console, "operations")
    console.find_element("css selector", f'tr[data-dead-letter="{letter_id}"] a').click()
    _wait(console, lambda d: d.find_elements("css selector", "#raw"))
    raw = console.find_element("css selector", "#raw")
    fixed = raw.get_attribute("value").replace("1234567890", "1234567893")
    raw.clear()
    raw.send_keys(fixed)
    console.find_element("css selector", "#edit-replay").click()
    _wait(console, lambda d: _text(d, "#dl-replays") == "1")
    _shot(console, "dead-letter-replayed")
    letter = httpx.get(f"{fed_server.url}/api/v1/dead-letters/{letter_id}", headers=fed_server.headers).json()
    assert letter["status"] == "replayed" and letter["replays"][0]["edited"] is True
    assert letter["replays"][0]["actor"] == OPERATOR


def test_alert_acknowledged_from_the_alerts_page(console: Any, fed_server: ServerProcess) -> None:
    console.get(f"{fed_server.url}/console/alerts?status=open")
    button = _wait(console, lambda d: d.find_elements("css selector", "#alerts button.ack"))[0]
    alert_id = button.get_attribute("value")
    button.click()
    _wait(console, lambda d: not d.find_elements("css selector", f'tr[data-alert="{alert_id}"] button.ack'))
    alert = httpx.get(f"{fed_server.url}/api/v1/alerts/{alert_id}", headers=fed_server.headers).json()
    assert alert["status"] == "acknowledged" and alert["acknowledged_by"] == OPERATOR
    console.get(f"{fed_server.url}/console/alerts?status=acknowledged")
    assert console.find_elements("css selector", f'tr[data-alert="{alert_id}"]')
    _shot(console, "alerts")


def test_patient_provider_and_facility_pages(console: Any, fed_server: ServerProcess) -> None:
    claims = httpx.get(
        f"{fed_server.url}/api/v1/claims", params={"limit": 200}, headers=fed_server.headers
    ).json()["items"]
    with_facility = next(c for c in claims if c["facility_code"] and c["billing_npi"])
    console.get(f"{fed_server.url}/console/facilities/{with_facility['facility_code']}")
    assert int(_text(console, "#party-claims").replace(",", "")) >= 1
    console.get(f"{fed_server.url}/console/providers/{with_facility['billing_npi']}")
    assert int(_text(console, "#party-claims").replace(",", "")) >= 1
    patients = httpx.get(
        f"{fed_server.url}/api/v1/patients", params={"limit": 1}, headers=fed_server.headers
    ).json()["items"]
    console.get(f"{fed_server.url}/console/patients/{patients[0]['id']}")
    assert console.find_elements("css selector", "#balance-patient")
    _shot(console, "patient")


def test_alert_texts_carry_no_patient_data(fed_server: ServerProcess) -> None:
    """Every alert the simulated network raised, against every patient's identifiers and names."""
    alerts = httpx.get(
        f"{fed_server.url}/api/v1/alerts", params={"limit": 1000}, headers=fed_server.headers
    ).json()["items"]
    patients = httpx.get(
        f"{fed_server.url}/api/v1/patients", params={"limit": 1000}, headers=fed_server.headers
    ).json()["items"]
    assert alerts and patients
    text = json.dumps([[a["summary"], a["details"], a["key"]] for a in alerts])
    for patient in patients:
        data = patient["data"]
        names = [n for n in (data.get("family_name"), data.get("given_name")) if n and len(n) > 2]
        identifiers = [
            i for i in (patient["patient_key"], patient["account"], data.get("mrn")) if i and len(i) > 5
        ]
        for value in [*names, *identifiers]:
            assert str(value) not in text, "an alert text carries patient data"
