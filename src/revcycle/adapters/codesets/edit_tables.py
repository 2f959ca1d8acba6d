"""Edit tables from CSV files in the shape CMS publishes them, with small defaults shipped in
``data/edits/`` (settings ``rule_mue_file``, ``rule_ptp_file``, ``rule_sex_age_file`` point to the
user's own, e.g. the quarterly CMS NCCI files saved as CSV).

* MUE (CMS "Practitioner Services MUE Table"): columns ``HCPCS/CPT Code``, ``Practitioner Services MUE
  Values``, ``MUE Adjudication Indicator`` ("2 Date of Service Edit: Policy"), ``MUE Rationale``.
* PTP (CMS "Practitioner PTP Edits"): ``Column 1``, ``Column 2``, ``* = In existence prior to 1996``,
  ``Effective Date`` (YYYYMMDD), ``Deletion Date *=no data``, ``Modifier 0=not allowed 1=allowed 9=not
  applicable``, ``PTP Edit Rationale``.
* Sex / age: ``code``, ``kind`` (``diagnosis`` or ``procedure``), ``sex`` (F/M/blank), ``min_age``,
  ``max_age`` (years, inclusive); a code may be a prefix (``O`` matches the obstetrics chapter).

CMS files start with notice lines before their header row: rows before the header are skipped. Columns
are taken by position, so the CMS headers and the short ones of the defaults both work.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from revcycle.adapters.codesets import sources
from revcycle.domain.rules.edits import MueEdit, PtpEdit, SexAgeEdit
from revcycle.domain.rules.reference import ReferenceDataError


class EditTableError(ReferenceDataError, ValueError):
    """A row of an edit table that cannot be read (the message names the file and row)."""


def _rows(path: Path, header_starts: tuple[str, ...]) -> Iterable[tuple[int, list[str]]]:
    with sources.open_text(path, "utf-8-sig") as handle:
        seen_header = False
        for number, row in enumerate(csv.reader(handle), start=1):
            cells = [cell.strip() for cell in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if not seen_header:
                seen_header = cells[0].lower().startswith(header_starts)
                continue
            yield number, cells


def _int(text: str, path: Path, number: int) -> int:
    try:
        return int(text.split()[0]) if text.strip() else 0
    except ValueError as error:
        raise EditTableError(f"{path.name} row {number}: {text!r} is not a whole number") from error


def _day(text: str, path: Path, number: int) -> date | None:
    text = text.strip()
    if not text or text == "*":
        return None
    try:
        return (
            date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            if text.isdigit()
            else date.fromisoformat(text)
        )
    except ValueError as error:
        raise EditTableError(f"{path.name} row {number}: {text!r} is not a date") from error


def load_mue(path: Path) -> dict[str, MueEdit]:
    table = {}
    for number, cells in _rows(path, ("hcpcs", "code")):
        if len(cells) < 2:
            raise EditTableError(f"{path.name} row {number}: needs a code and a MUE value")
        indicator = _int(cells[2], path, number) if len(cells) > 2 and cells[2] else 2
        table[cells[0].upper()] = MueEdit(cells[0].upper(), _int(cells[1], path, number), indicator)
    return table


def load_ptp(path: Path) -> dict[tuple[str, str], PtpEdit]:
    table = {}
    for number, cells in _rows(path, ("column 1", "column1", "column_1")):
        if len(cells) < 6:
            raise EditTableError(f"{path.name} row {number}: needs the six CMS PTP columns")
        edit = PtpEdit(
            cells[0].upper(),
            cells[1].upper(),
            _int(cells[5], path, number),
            _day(cells[3], path, number),
            _day(cells[4], path, number),
        )
        table[(edit.column1, edit.column2)] = edit
    return table


def load_sex_age(path: Path) -> dict[tuple[str, str], SexAgeEdit]:
    table = {}
    for number, cells in _rows(path, ("code",)):
        cells = cells + [""] * (5 - len(cells))
        kind = cells[1].lower()
        if kind not in ("diagnosis", "procedure"):
            raise EditTableError(f"{path.name} row {number}: kind must be diagnosis or procedure")
        sex = cells[2].upper() or None
        if sex not in (None, "F", "M"):
            raise EditTableError(f"{path.name} row {number}: sex must be F, M or blank")
        low = _int(cells[3], path, number) if cells[3] else None
        high = _int(cells[4], path, number) if cells[4] else None
        code = cells[0].replace(".", "").upper()
        table[(kind, code)] = SexAgeEdit(code, sex, low, high)
    return table


class CsvEditTables:
    """The ``EditTables`` port over three CSV files, each loaded on its first use."""

    def __init__(self, mue: Path, ptp: Path, sex_age: Path) -> None:
        self.paths = (mue, ptp, sex_age)
        self._mue: dict[str, MueEdit] | None = None
        self._ptp: dict[tuple[str, str], PtpEdit] | None = None
        self._sex_age: dict[tuple[str, str], SexAgeEdit] | None = None

    def mue(self, code: str) -> MueEdit | None:
        if self._mue is None:
            self._mue = load_mue(self.paths[0])
        return self._mue.get(code)

    def ptp(self, column1: str, column2: str, on: date | None) -> PtpEdit | None:
        if self._ptp is None:
            self._ptp = load_ptp(self.paths[1])
        return self._ptp.get((column1, column2))

    def sex_age(self, code: str, kind: str) -> SexAgeEdit | None:
        if self._sex_age is None:
            self._sex_age = load_sex_age(self.paths[2])
        for end in range(len(code), 0, -1):  # the most specific entry: the code, then its prefixes
            edit = self._sex_age.get((kind, code[:end]))
            if edit is not None:
                return edit
        return None


def default_paths() -> tuple[Path, Path, Path]:
    folder = sources.vendored_dir() / "edits"
    return folder / "mue.csv", folder / "ptp.csv", folder / "sex_age.csv"
