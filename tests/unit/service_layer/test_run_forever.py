"""The worker loop: it lingers after a partial batch so that arrivals share the next transaction."""

from __future__ import annotations

import pytest

from revcycle.service_layer.worker import run_forever


class ScriptedWorker:
    """Returns the scripted batch sizes from ``run_once``; ``carrying`` as scripted too."""

    batch = 10

    def __init__(self, script: list[tuple[int, bool]]) -> None:
        self.script = script
        self.carrying = False

    def run_once(self) -> int:
        handled, self.carrying = self.script.pop(0)
        return handled


def run(script: list[tuple[int, bool]], linger: float, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    events: list[str] = []
    monkeypatch.setattr(
        "revcycle.service_layer.worker.time.sleep", lambda seconds: events.append(f"linger {seconds}")
    )
    fake = ScriptedWorker(list(script))
    run_forever(
        fake,  # type: ignore[arg-type]
        lambda: not fake.script,
        lambda seconds: events.append(f"idle {seconds}"),
        0.2,
        linger=linger,
    )
    return events


def test_a_partial_batch_or_an_empty_log_lingers_a_full_or_carried_batch_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = [(3, False), (10, False), (4, True), (0, False)]
    events = run(script, 0.02, monkeypatch)
    # partial -> linger; full -> straight on (may yield); carried -> straight on; empty -> idle, then linger
    assert [e for e in events if e != "idle 0"] == ["linger 0.02", "idle 0.2", "linger 0.02"]


def test_no_linger_keeps_the_old_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    events = run([(3, False), (0, False)], 0.0, monkeypatch)
    assert "linger" not in " ".join(events)
    assert events[-1] == "idle 0.2"
