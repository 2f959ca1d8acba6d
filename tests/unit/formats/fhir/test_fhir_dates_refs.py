"""FHIR date strings (partial dates stay partial) and reference parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from revcycle.adapters.formats.fhir.datatypes import Identifier, Reference
from revcycle.adapters.formats.fhir.dates import minutes_between, precision, to_date, to_datetime
from revcycle.adapters.formats.fhir.references import identity_from_url, npi_of, referenced_id


@pytest.mark.parametrize(
    ("text", "kind", "day"),
    [
        ("2020", "year", None),
        ("2020-01", "month", None),
        ("2020-01-02", "day", date(2020, 1, 2)),
        ("2020-01-02T03:04:05Z", "time", date(2020, 1, 2)),
        ("2020-02-30", "day", None),  # well-formed, not a day
        ("IGNORED_FIELD", None, None),
        ("2020-1-2", None, None),
        (None, None, None),
    ],
)
def test_precision_and_day(text: str | None, kind: str | None, day: date | None) -> None:
    assert precision(text) == kind
    assert to_date(text) == day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2012-09-10T15:29:24+00:00", datetime(2012, 9, 10, 15, 29, 24, tzinfo=UTC)),
        ("2013-12-10T09:00:00Z", datetime(2013, 12, 10, 9, 0, tzinfo=UTC)),
        (
            "2017-01-25T08:00:00.123456789+01:00",
            datetime(2017, 1, 25, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("2017-01-25T08:00", datetime(2017, 1, 25, 8, 0)),
        ("2014-08-16", datetime(2014, 8, 16)),
        ("2014-08", None),
        ("2014-08-16T25:00:00Z", None),
    ],
)
def test_to_datetime(text: str, expected: datetime | None) -> None:
    assert to_datetime(text) == expected


def test_minutes_between() -> None:
    assert minutes_between("2013-12-10T09:00:00Z", "2013-12-10T11:00:00Z") == 120
    assert minutes_between("2013-12-10T09:00:00Z", "2013-12-10T11:00:00") is None  # aware vs naive
    assert minutes_between(None, "2013-12-10T11:00:00Z") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("urn:uuid:d78af07c", "d78af07c"),
        ("Patient/123", "123"),
        ("http://server/fhir/Claim/100150/_history/2", "100150"),
        ("http://www.BenefitsInc.com/fhir/oralhealthclaim/15476332402", "15476332402"),
        ("urn:oid:1.2.3", "1.2.3"),
        ("#contained", None),
        (None, None),
    ],
)
def test_identity_from_url(url: str | None, expected: str | None) -> None:
    assert identity_from_url(url) == expected


def test_referenced_id_checks_the_type() -> None:
    ref = Reference(reference="Claim/100150")
    assert referenced_id(ref, "Claim") == "100150" and referenced_id(ref, "Patient") is None
    assert referenced_id(Reference(reference="#x")) is None and referenced_id(None) is None


def test_npi_needs_a_valid_check_digit() -> None:
    npi_system = "http://hl7.org/fhir/sid/us-npi"
    assert npi_of([Identifier(system=npi_system, value="1234567893")]) == "1234567893"
    assert npi_of([Identifier(system=npi_system, value="1234567890")]) is None
    assert npi_of([Identifier(system=npi_system, value="520")]) is None
