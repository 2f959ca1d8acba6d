"""``ProcessSignal`` between real processes: it wakes a waiting process, and a process killed while it
waited does not make ``set`` block, as it makes ``multiprocessing.Event.set`` block for good (which froze
the edge when a worker process died idle)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from typing import Any

from revcycle.entrypoints.process_signal import ProcessSignal

CONTEXT = multiprocessing.get_context("spawn")


def _wait_then_report(signal_: Any, seen: Any, seconds: float) -> None:
    seen.value = 1 if signal_.wait(seconds) else 2


def _sleep_on(signal_: Any, asleep: Any) -> None:
    asleep.set()
    signal_.wait(60)


def _set_returns_within(signal_: Any, seconds: float) -> bool:
    setter = threading.Thread(target=signal_.set, daemon=True)  # a blocked set must not hang the test
    setter.start()
    setter.join(seconds)
    return not setter.is_alive()


def test_set_wakes_a_waiting_process_and_wait_times_out_without_it() -> None:
    flag, seen = ProcessSignal(CONTEXT), CONTEXT.RawValue("b", 0)
    child = CONTEXT.Process(target=_wait_then_report, args=(flag, seen, 30.0))
    child.start()
    time.sleep(0.5)
    flag.set()
    child.join(10)
    assert seen.value == 1 and flag.is_set()
    flag.clear()
    started = time.monotonic()
    assert flag.wait(0.2) is False and time.monotonic() - started >= 0.19  # no stale post left
    idle = CONTEXT.Process(target=_wait_then_report, args=(flag, seen, 0.2))
    idle.start()
    idle.join(10)
    assert seen.value == 2


def _killed_while_asleep(flag: Any) -> None:
    asleep = CONTEXT.Event()
    sleeper = CONTEXT.Process(target=_sleep_on, args=(flag, asleep))
    sleeper.start()
    assert asleep.wait(30)
    time.sleep(0.3)  # in wait() now
    assert sleeper.pid is not None
    os.kill(sleeper.pid, signal.SIGKILL)
    sleeper.join(10)


def test_a_process_killed_while_it_waited_does_not_block_set() -> None:
    hazard = CONTEXT.Event()
    _killed_while_asleep(hazard)
    assert not _set_returns_within(hazard, 1.0)  # the hazard is real: the Event's set hangs

    flag = ProcessSignal(CONTEXT)
    _killed_while_asleep(flag)
    assert _set_returns_within(flag, 5.0)
    assert _set_returns_within(flag, 5.0) and flag.is_set()  # and again, however often
