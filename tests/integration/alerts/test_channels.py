"""Every channel against a real receiver on loopback: the signed webhook (with retries and backoff),
Slack and Teams payloads, and e-mail through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from revcycle.adapters.alert_channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from revcycle.adapters.store.alert_store import SqlAlertStore
from revcycle.service_layer.alerts.service import AlertService
from tests.integration.alerts import seed
from tests.integration.alerts.conftest import Clock
from tests.receivers import smtp_server, webhook_receiver

Make = Callable[[str], AlertService]
RULE = '[[rules]]\nname = "denials"\nkind = "finding"\nchannels = {channels}\n'


def test_webhook_is_signed_and_retried_with_backoff(engine: Engine, alerting: Make, clock: Clock) -> None:
    with webhook_receiver(fail_first=2) as hook:
        service = alerting(
            f'[channels.ops]\ntype = "webhook"\nurl = "{hook.url}"\nsecret = "topsecret"\n'
            "max_attempts = 5\nbackoff_seconds = 10\n" + RULE.format(channels='["ops"]')
        )
        seed.finding(engine, "denial:7")
        service.step()  # attempt 1: 500
        assert hook.attempts == 1
        service.step()  # not due yet (10 s backoff)
        assert hook.attempts == 1
        clock.advance(seconds=10)
        service.step()  # attempt 2: 500, next in 20 s
        clock.advance(seconds=15)
        service.step()
        assert hook.attempts == 2
        clock.advance(seconds=5)
        service.step()  # attempt 3: 200
        call = hook.wait_for(1)[0]
        assert verify(
            b"topsecret",
            call.headers[TIMESTAMP_HEADER.lower()],
            call.body,
            call.headers[SIGNATURE_HEADER.lower()],
        )
        assert not verify(
            b"wrong",
            call.headers[TIMESTAMP_HEADER.lower()],
            call.body,
            call.headers[SIGNATURE_HEADER.lower()],
        )
        body = call.json()
        assert body["summary"] == "denial on claim 1" and body["severity"] == "high"
        store = SqlAlertStore(engine)
        delivery = store.get(store.live()["denials:denial:7"].id)["deliveries"][0]  # type: ignore[index]
        assert delivery["status"] == "sent" and delivery["attempts"] == 3


def test_a_refusing_receiver_fails_the_delivery_without_retrying(engine: Engine, alerting: Make) -> None:
    with webhook_receiver(fail_first=99, fail_status=410) as hook:
        service = alerting(
            f'[channels.ops]\ntype = "webhook"\nurl = "{hook.url}"\n' + RULE.format(channels='["ops"]')
        )
        seed.finding(engine, "denial:8")
        service.step()
        service.step()
        assert hook.attempts == 1
        store = SqlAlertStore(engine)
        delivery = store.get(store.live()["denials:denial:8"].id)["deliveries"][0]  # type: ignore[index]
        assert delivery["status"] == "failed" and "410" in delivery["error"]


def test_an_unreachable_receiver_is_retried_until_max_attempts(
    engine: Engine, alerting: Make, clock: Clock
) -> None:
    service = alerting(
        '[channels.ops]\ntype = "webhook"\nurl = "http://127.0.0.1:9/hook"\nmax_attempts = 2\nbackoff_seconds = 1\n'
        + RULE.format(channels='["ops"]')
    )
    seed.finding(engine, "denial:9")
    service.step()
    clock.advance(seconds=1)
    service.step()
    store = SqlAlertStore(engine)
    delivery = store.get(store.live()["denials:denial:9"].id)["deliveries"][0]  # type: ignore[index]
    assert (
        delivery["status"] == "failed" and delivery["attempts"] == 2 and "ConnectError" in delivery["error"]
    )


def test_slack_and_teams_payloads(engine: Engine, alerting: Make) -> None:
    with webhook_receiver() as slack, webhook_receiver() as teams:
        service = alerting(
            f'[channels.s]\ntype = "slack"\nurl = "{slack.url}"\n[channels.t]\ntype = "teams"\nurl = "{teams.url}"\n'
            + RULE.format(channels='["s", "t"]')
        )
        seed.finding(engine, "denial:10")
        service.step()
        message = slack.wait_for(1)[0].json()
        assert message["text"].startswith("[revcycle ALERT] HIGH denials: denial on claim 1")
        assert message["blocks"][0]["type"] == "section"
        card = teams.wait_for(1)[0].json()
        assert card["type"] == "message"
        content = card["attachments"][0]["content"]
        assert card["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert content["type"] == "AdaptiveCard" and "denial on claim 1" in content["body"][0]["text"]


def test_email_through_a_real_smtp_server(engine: Engine, alerting: Make, clock: Clock) -> None:
    with smtp_server() as box:
        service = alerting(
            f'[channels.mail]\ntype = "email"\nsmtp_port = {box.port}\nsender = "alerts@revcycle.test"\n'
            'to = ["billing@clinic.test", "lead@clinic.test"]\n' + RULE.format(channels='["mail"]')
        )
        seed.finding(engine, "denial:11")
        service.step()
        sender, recipients, mail = box.wait_for(1)[0]
        assert sender == "alerts@revcycle.test"
        assert recipients == ["billing@clinic.test", "lead@clinic.test"]
        assert mail["Subject"] == "[revcycle ALERT] HIGH denials: denial on claim 1"
        assert "rule:      denials" in mail.get_content()
        seed.set_finding_status(engine, "denial:11", "ignored")
        service.engine.state.last_finding_sweep = None
        clock.advance(seconds=1)
        service.step()
        assert box.wait_for(2)[1][2]["Subject"].startswith("[revcycle RESOLVED]")
