"""Rules over a real store (SQLite and PostgreSQL): one alert per open condition, resolve notices,
reminders, escalation, acknowledgment; every rule kind against rows that make it fire and clear."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine

from revcycle.adapters.store.alert_store import SqlAlertStore
from revcycle.service_layer.alerts.service import AlertService
from tests.integration.alerts import seed
from tests.integration.alerts.conftest import Clock
from tests.receivers import webhook_receiver

Make = Callable[[str], AlertService]


def _events(store: SqlAlertStore, alert_id: int) -> list[tuple[str, str, str]]:
    found = store.get(alert_id)
    assert found is not None
    return [(d["channel"], d["event"], d["status"]) for d in found["deliveries"]]


def test_a_finding_opens_one_alert_and_its_resolution_resolves_it(engine: Engine, alerting: Make) -> None:
    with webhook_receiver() as hook:
        service = alerting(
            f'[channels.ops]\ntype = "webhook"\nurl = "{hook.url}"\nsecret = "k"\n'
            '[[rules]]\nname = "denials"\nkind = "finding"\ntypes = ["denial"]\nchannels = ["in_app", "ops"]\n'
        )
        claim_id = seed.claim(engine, payer="P1")
        seed.finding(engine, "denial:1", subject=("claim", str(claim_id)))
        seed.finding(engine, "dup:1", type_="duplicate_charge", subject=("charge", "9"))
        assert service.step() == 1
        assert service.step() == 0  # the same open condition is still one alert
        alerts = service.engine.store.live("denials")  # type: ignore[attr-defined]
        assert list(alerts) == ["denials:denial:1"]
        alert_id = alerts["denials:denial:1"].id
        body = hook.wait_for(1)[0].json()
        assert body["event"] == "opened" and body["rule"] == "denials"
        assert body["details"]["payer_id"] == "P1" and body["details"]["facility_code"] == "F1"
        assert body["link"].endswith(f"alert={alert_id}")
        seed.set_finding_status(engine, "denial:1", "resolved")
        service.engine.state.last_finding_sweep = None
        service.step()
        assert [r.json()["event"] for r in hook.wait_for(2)] == ["opened", "resolved"]
        store = SqlAlertStore(engine)
        assert store.get(alert_id)["status"] == "resolved"  # type: ignore[index]
        assert ("ops", "resolved", "sent") in _events(store, alert_id)


def test_finding_rules_filter_by_payer_facility_and_severity(engine: Engine, alerting: Make) -> None:
    service = alerting(
        '[[rules]]\nname = "p2"\nkind = "finding"\npayers = ["P2"]\n'
        '[[rules]]\nname = "f9"\nkind = "finding"\nfacilities = ["F9"]\n'
        '[[rules]]\nname = "critical"\nkind = "finding"\nmin_severity = "critical"\n'
    )
    seed.finding(engine, "a", subject=("claim", str(seed.claim(engine, payer="P1"))))
    seed.finding(engine, "b", subject=("claim", str(seed.claim(engine, payer="P2"))))
    seed.finding(
        engine, "c", subject=("claim", str(seed.claim(engine, payer="P3", facility="F9"))), severity=50
    )
    service.step()
    live = SqlAlertStore(engine).live()
    assert sorted(live) == ["critical:c", "f9:c", "p2:b"]


def test_reminders_and_one_escalation_while_unacknowledged(
    engine: Engine, alerting: Make, clock: Clock
) -> None:
    service = alerting(
        "escalation_check_seconds = 1\n"
        '[[rules]]\nname = "d"\nkind = "finding"\nrenotify_minutes = 10\nescalate_after_minutes = 25\n'
    )
    seed.finding(engine, "x")
    service.step()
    store = SqlAlertStore(engine)
    alert_id = store.live()["d:x"].id
    for minutes in (11, 11, 11):  # 11: reminder, 22: reminder, 33: escalation
        clock.advance(minutes=minutes)
        service.step()
    events = [e for _, e, _ in _events(store, alert_id)]
    assert events == ["opened", "reminder", "reminder", "escalated"]
    store.acknowledge(alert_id, "ana", clock())
    clock.advance(minutes=30)
    service.step()
    assert [e for _, e, _ in _events(store, alert_id)] == events  # acknowledged: quiet
    found = store.get(alert_id)
    assert found is not None and found["acknowledged_by"] == "ana" and found["status"] == "acknowledged"
    store.assign(alert_id, "bo")
    assert store.get(alert_id)["assigned_to"] == "bo"  # type: ignore[index]


def test_uncoded_appointment_alerts_before_the_visit_and_clears_when_mapped(
    engine: Engine, alerting: Make, clock: Clock
) -> None:
    service = alerting('[[rules]]\nname = "uncoded"\nkind = "appointment_uncoded"\ncheck_every_seconds = 1\n')
    seed.contract(engine, ["99213"])
    seed.appointment(engine, "A-1", clock() + timedelta(hours=20), ["99213"])
    seed.appointment(engine, "A-2", clock() + timedelta(hours=30), ["99999"])
    seed.appointment(engine, "A-3", clock() + timedelta(hours=60), ["99999"])  # beyond 48 h
    service.step()
    live = SqlAlertStore(engine).live("uncoded")
    assert list(live) == ["uncoded:appointment:A-2"]
    summary = SqlAlertStore(engine).get(live["uncoded:appointment:A-2"].id)["summary"]  # type: ignore[index]
    assert "99999 not in the chargemaster" in summary and "MRN" not in summary
    from sqlalchemy import update

    from revcycle.adapters.store.schema import master_data

    with engine.begin() as conn:
        conn.execute(
            update(master_data).values(
                data={"fee_schedule": [{"procedure_code": "99213"}, {"procedure_code": "99999"}]}
            )
        )
    clock.advance(seconds=2)
    service.step()
    assert SqlAlertStore(engine).live("uncoded") == {}


def test_discharged_without_charges_and_unbilled_claims(engine: Engine, alerting: Make, clock: Clock) -> None:
    service = alerting(
        '[[rules]]\nname = "dnfb"\nkind = "discharged_no_charges"\nafter_hours = 24\ncheck_every_seconds = 1\n'
        '[[rules]]\nname = "unbilled"\nkind = "claim_unbilled"\nafter_days = 3\ncheck_every_seconds = 1\n'
    )
    old = seed.encounter(engine, "V1", clock() - timedelta(hours=30))
    seed.encounter(engine, "V2", clock() - timedelta(hours=2))  # too recent
    seed.encounter(engine, "V3", clock() - timedelta(hours=40))
    seed.charge(engine, "V3")  # has charges
    draft = seed.claim(engine, status="draft", created=clock() - timedelta(days=5))
    seed.claim(engine, status="submitted", created=clock() - timedelta(days=5))
    service.step()
    live = SqlAlertStore(engine).live()
    assert sorted(live) == [f"dnfb:encounter:{old}", f"unbilled:claim:{draft}"]
    seed.charge(engine, "V1")
    clock.advance(seconds=2)
    service.step()
    assert sorted(SqlAlertStore(engine).live()) == [f"unbilled:claim:{draft}"]


def test_denial_rate_over_a_sliding_window(engine: Engine, alerting: Make, clock: Clock) -> None:
    service = alerting(
        '[[rules]]\nname = "denials"\nkind = "denial_rate"\nthreshold_percent = 30\nwindow_hours = 24\n'
        "min_claims = 4\ncheck_every_seconds = 1\n"
    )
    for n in range(5):
        seed.payment(engine, seed.claim(engine, payer="P1"), payer="P1", status_code="4" if n < 2 else "1")
    for n in range(5):
        seed.payment(engine, seed.claim(engine, payer="P2"), payer="P2", status_code="1" if n else "4")
    service.step()
    live = SqlAlertStore(engine).live("denials")
    assert list(live) == ["denials:payer:P1"]  # 40% > 30%; P2 has 20%
    clock.advance(hours=25)  # the denials leave the window
    service.step()
    assert SqlAlertStore(engine).live("denials") == {}


def test_backlog_and_interface_silence(engine: Engine, alerting: Make, clock: Clock) -> None:
    service = alerting(
        '[[rules]]\nname = "backlog"\nkind = "backlog"\nmax_depth = 0\ncheck_every_seconds = 1\n'
        '[[rules]]\nname = "quiet"\nkind = "interface_silent"\ninterface = "adt"\nminutes = 15\n'
        "hours = [8, 18]\ncheck_every_seconds = 1\n"
    )
    seed.message(engine, "adt", clock() - timedelta(minutes=5))
    service.step()
    assert SqlAlertStore(engine).live() == {}
    clock.advance(minutes=20)
    service.step()
    assert list(SqlAlertStore(engine).live()) == ["quiet:interface:adt"]
    clock.advance(hours=8)  # 20:20, outside business hours: the condition clears
    service.step()
    assert SqlAlertStore(engine).live() == {}


def test_the_rules_file_reloads_and_a_bad_edit_keeps_the_running_rules(
    engine: Engine, alerting: Make, clock: Clock
) -> None:
    service = alerting('[[rules]]\nname = "a"\nkind = "finding"\n')
    assert service.status.rules == 1
    path = service.path
    assert path is not None
    path.write_text('[[rules]]\nname = "a"\nkind = "finding"\n[[rules]]\nname = "b"\nkind = "finding"\n')
    os.utime(path, ns=(1, 1))
    service.step()
    assert service.status.rules == 2 and service.status.error is None
    path.write_text('[[rules]]\nname = "a"\nkind = "denial_rate"\n')
    os.utime(path, ns=(2, 2))
    service.step()
    assert service.status.rules == 2
    assert service.status.error is not None and "threshold_percent" in service.status.error
