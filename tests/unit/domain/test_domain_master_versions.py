"""Effective dating: which version of a master-data record is valid on a date, and the change report."""

from __future__ import annotations

from datetime import date

import pytest

from revcycle.domain.master_data import Effective, effective_errors, version_on
from revcycle.domain.master_loads import LoadReport, Outcome, RejectedRow, VersionChange, changed_fields

D = date


def test_a_closed_version_does_not_cover_days_after_its_end() -> None:
    versions = [(Effective(D(2025, 1, 1), D(2025, 12, 31)), "2025"), (Effective(D(2026, 1, 1)), "2026")]
    assert version_on(versions, D(2025, 12, 31)) == "2025"
    assert version_on(versions, D(2026, 1, 1)) == "2026"
    assert version_on(versions, D(2024, 12, 31)) is None


def test_a_new_version_supersedes_an_open_ended_one_from_its_start_without_closing_it() -> None:
    versions = [(Effective(), "open"), (Effective(D(2026, 7, 1)), "renewal")]
    assert version_on(versions, D(2026, 6, 30)) == "open"
    assert version_on(versions, D(2026, 7, 1)) == "renewal"
    assert version_on(versions, None) == "renewal"


def test_a_temporary_version_inside_an_open_one_applies_only_within_its_dates() -> None:
    versions = [(Effective(D(2026, 3, 1), D(2026, 3, 31)), "march"), (Effective(D(2026, 1, 1)), "base")]
    assert [version_on(versions, D(2026, m, 15)) for m in (2, 3, 4)] == ["base", "march", "base"]


def test_overlapping_versions_with_the_same_start_the_last_loaded_wins() -> None:
    versions = [(Effective(D(2026, 1, 1)), "first"), (Effective(D(2026, 1, 1), D(2026, 6, 30)), "second")]
    assert version_on(versions, D(2026, 3, 1)) == "second"
    assert version_on(versions, D(2026, 8, 1)) == "first"


def test_no_versions_means_nothing_is_valid() -> None:
    assert version_on([], D(2026, 1, 1)) is None and version_on([], None) is None


def test_an_end_before_its_start_is_an_error() -> None:
    assert effective_errors(Effective(D(2026, 2, 1), D(2026, 1, 31))) == [
        "effective_end: before effective_start"
    ]
    assert effective_errors(Effective(D(2026, 2, 1), D(2026, 2, 1))) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (None, {"a": 1}, VersionChange(Outcome.ADDED)),
        ({"a": 1, "b": 2}, {"a": 1, "b": 2}, VersionChange(Outcome.UNCHANGED)),
        ({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}, VersionChange(Outcome.CHANGED, ("b",))),
        ({"a": 1, "b": [1]}, {"a": 2, "b": [1, 2], "c": 0}, VersionChange(Outcome.CHANGED, ("a", "b", "c"))),
    ],
)
def test_changed_fields_names_the_fields_that_differ(
    old: dict[str, object] | None, new: dict[str, object], expected: VersionChange
) -> None:
    assert changed_fields(old, new) == expected


def test_load_report_counts_and_serialises() -> None:
    report = LoadReport("payer", rows=4, rejected=[RejectedRow(4, ("name: required",), "P4")])
    report.record(1, "P1", None, VersionChange(Outcome.ADDED))
    report.record(2, "P2", D(2026, 1, 1), VersionChange(Outcome.CHANGED, ("name",)))
    report.record(3, "P3", None, VersionChange(Outcome.UNCHANGED))
    body = report.as_dict()
    assert {k: body[k] for k in ("rows", "added", "changed", "unchanged", "rejected")} == {
        "rows": 4,
        "added": 1,
        "changed": 1,
        "unchanged": 1,
        "rejected": 1,
    }
    assert body["changed_records"] == [
        {"row": 2, "code": "P2", "effective_start": "2026-01-01", "fields": ["name"]}
    ]
    assert body["rejected_rows"] == [{"row": 4, "code": "P4", "errors": ["name: required"]}]
