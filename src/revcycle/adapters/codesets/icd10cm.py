"""ICD-10-CM (CDC/NCHS), one release per fiscal year, from the flat code list of each release
(``icd10cm_code-list-<Month>-<YYYY>.txt``: every code string, no dots, one per line, including chapter
numbers and block ranges, which are skipped here).

A code is valid on a date of service when the release covering that date holds it, and billable only
when it is a leaf: ICD-10-CM Official Guidelines I.B.2, "a code may be used only if it is the highest
degree of detail" (a category or subcategory with subcodes, such as ``E11`` or ``M545``, is a header).
Fiscal year YYYY runs from October 1 of YYYY-1 to September 30 of YYYY; the April update of a year
belongs to that year's release. A date no loaded release covers is judged by the nearest release.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from revcycle.adapters.codesets import sources

PATTERN = "icd10cm_code-list-*.txt"
_NAME = re.compile(r"icd10cm_code-list-(?:(?P<month>[A-Za-z]+)-)?(?P<year>\d{4})\.txt")
_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}")


@dataclass(frozen=True, slots=True)
class Release:
    fiscal_year: int
    start: date
    end: date
    codes: tuple[str, ...]  # sorted
    leaves: frozenset[str]

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def fiscal_year_of(filename: str) -> int:
    match = _NAME.fullmatch(filename.removesuffix(".gz"))
    if match is None:
        raise ValueError(f"not an ICD-10-CM code-list file name: {filename}")
    year = int(match["year"])
    month = (match["month"] or "").lower()
    # October-December releases start the next fiscal year.
    return year + 1 if month[:3] in ("oct", "nov", "dec") else year


def load_release(path: Path) -> Release:
    year = fiscal_year_of(path.name)
    with sources.open_text(path, "ascii") as handle:
        codes = sorted({c for c in (line.strip() for line in handle) if _SHAPE.fullmatch(c)})
    leaves = {
        code for i, code in enumerate(codes) if i + 1 == len(codes) or not codes[i + 1].startswith(code)
    }
    return Release(year, date(year - 1, 10, 1), date(year, 9, 30), tuple(codes), frozenset(leaves))


class Icd10cm:
    """Validity of ICD-10-CM codes by date of service over the loaded releases."""

    def __init__(self, releases: list[Release]) -> None:
        if not releases:
            raise sources.CodeSetMissing("no ICD-10-CM code list found")
        self.releases = sorted(releases, key=lambda r: r.fiscal_year)

    @classmethod
    def load(cls, folder: Path) -> Icd10cm:
        latest: dict[int, Path] = {}
        for path in sources.find(folder, PATTERN):  # sorted by name; one release per fiscal year
            latest[fiscal_year_of(path.name)] = path
        return cls([load_release(p) for p in latest.values()])

    def release_for(self, on: date | None) -> Release:
        if on is None:
            return self.releases[-1]
        for release in self.releases:
            if release.covers(on):
                return release
        return min(self.releases, key=lambda r: min(abs((r.start - on).days), abs((r.end - on).days)))

    def problem(self, code: str, on: date | None) -> str | None:
        release = self.release_for(on)
        if code in release.leaves:
            return None
        index = bisect.bisect_left(release.codes, code)
        if index < len(release.codes) and release.codes[index] == code:
            return f"not billable: a header with subcodes (FY{release.fiscal_year})"
        return f"not in ICD-10-CM FY{release.fiscal_year}"
