"""``cpu_affinity = split``: which CPUs the server process and the others get (``cpu_affinity.plan``)."""

from __future__ import annotations

from revcycle.entrypoints.cpu_affinity import CpuPlan, plan


def test_split_gives_the_server_the_lowest_allowed_cpu_and_the_others_the_rest() -> None:
    assert plan("split", {0, 1}, worker_in_process=True) == CpuPlan(frozenset({0}), frozenset({1}))
    assert plan("split", {6, 3, 9, 4}, worker_in_process=True) == CpuPlan(
        frozenset({3}), frozenset({4, 6, 9})
    )


def test_nothing_is_pinned_when_off_on_one_cpu_unknown_or_with_the_worker_as_a_thread() -> None:
    assert plan("off", {0, 1}, worker_in_process=True) is None
    assert plan("split", {2}, worker_in_process=True) is None
    assert plan("split", None, worker_in_process=True) is None  # a platform that cannot tell
    assert plan("split", {0, 1}, worker_in_process=False) is None  # the worker would share the CPU
