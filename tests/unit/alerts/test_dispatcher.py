"""The dispatcher records outcomes in groups as sends complete: every delivery settled once, with the
right status, and a failure to record one group leaves the groups before it recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from revcycle.adapters.alert_channels.base import DeliveryError, Notification
from revcycle.service_layer.alerts.dispatcher import SETTLE_EVERY, Dispatcher, Outcome

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class _Delivery:
    id: int
    alert_id: int
    channel: str
    event: str = "opened"
    attempts: int = 0


def _alert(n: int) -> dict[str, Any]:
    return {
        "id": n,
        "severity": 40,
        "rule": "r",
        "key": f"r:{n}",
        "summary": "s",
        "status": "open",
        "opened_at": NOW.isoformat(),
        "details": {},
    }


class _Store:
    def __init__(self, due: list[tuple[_Delivery, dict[str, Any]]], fail_on_group: int | None = None) -> None:
        self._due = due
        self.groups: list[list[Outcome]] = []
        self.fail_on_group = fail_on_group

    def due(self, now: datetime, limit: int = 200) -> list[tuple[Any, dict[str, Any]]]:
        out, self._due = self._due, []
        return list(out)

    def settle(self, outcomes: Sequence[Outcome]) -> None:
        if self.fail_on_group is not None and len(self.groups) == self.fail_on_group:
            raise RuntimeError("store unavailable")
        self.groups.append(list(outcomes))


class _Channel:
    def __init__(self, name: str, error: DeliveryError | None = None) -> None:
        self.name = name
        self.max_attempts = 3
        self.backoff_seconds = 2.0
        self.error = error
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append(notification)


def _dispatcher(store: _Store, *channels: _Channel) -> Dispatcher:
    by_name = {c.name: c for c in channels}
    return Dispatcher(store, lambda: by_name, clock=lambda: NOW)


def test_outcomes_are_recorded_in_groups_each_once() -> None:
    due = [(_Delivery(n, n, "app"), _alert(n)) for n in range(2 * SETTLE_EVERY + 3)]
    store = _Store(due)
    app = _Channel("app")
    dispatcher = _dispatcher(store, app)
    assert dispatcher.run_due() == len(due)
    dispatcher.close()
    assert [len(g) for g in store.groups] == [SETTLE_EVERY, SETTLE_EVERY, 3]
    settled = [o for g in store.groups for o in g]
    assert sorted(o.delivery_id for o in settled) == list(range(len(due)))
    assert {(o.status, o.attempts, o.at) for o in settled} == {("sent", 1, NOW)}
    assert len(app.sent) == len(due)


def test_retry_failure_and_unknown_channel_outcomes() -> None:
    due = [
        (_Delivery(1, 1, "flaky"), _alert(1)),
        (_Delivery(2, 2, "gone", attempts=0), _alert(2)),
        (_Delivery(3, 3, "refused"), _alert(3)),
        (_Delivery(4, 4, "flaky", attempts=2), _alert(4)),
    ]
    store = _Store(due)
    dispatcher = _dispatcher(
        store, _Channel("flaky", DeliveryError("503")), _Channel("refused", DeliveryError("410", retry=False))
    )
    assert dispatcher.run_due() == 0
    dispatcher.close()
    by_id = {o.delivery_id: o for g in store.groups for o in g}
    assert by_id[1] == Outcome(1, "pending", 1, NOW + timedelta(seconds=2), "503")
    assert by_id[2].status == "failed" and "not configured" in (by_id[2].error or "")
    assert by_id[3] == Outcome(3, "failed", 1, NOW, "410")
    assert by_id[4] == Outcome(4, "failed", 3, NOW, "503")  # the last attempt


def test_a_group_that_cannot_be_recorded_leaves_the_earlier_groups_recorded() -> None:
    due = [(_Delivery(n, n, "app"), _alert(n)) for n in range(2 * SETTLE_EVERY)]
    store = _Store(due, fail_on_group=1)
    dispatcher = _dispatcher(store, _Channel("app"))
    with pytest.raises(RuntimeError):
        dispatcher.run_due()
    dispatcher.close()
    assert [len(g) for g in store.groups] == [SETTLE_EVERY]
