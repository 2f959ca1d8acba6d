"""HCPCS Level II (CMS annual Alpha-Numeric HCPCS file, fixed-width 320-character records; layout in
``hcpcs2019_recordlayout.txt``): code in columns 1-5, record identification code in column 11 (3 = first
line of a procedure, 7 = first line of a modifier), code added date 269-276, action effective date
277-284, termination date 285-292 ("last date for which a procedure or modifier code may be used").
Contains no CPT codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from revcycle.adapters.codesets import sources

FILE_PATTERN = "hcpcs*_CONTR_ANWEB.txt"


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    added: date | None
    terminated: date | None


def _date(text: str) -> date | None:
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def parse(lines: list[str]) -> tuple[dict[str, Entry], dict[str, Entry]]:
    """(procedures, modifiers) by code."""
    procedures: dict[str, Entry] = {}
    modifiers: dict[str, Entry] = {}
    for line in lines:
        if len(line) < 292 or line[10] not in "37":
            continue
        code = line[:5].strip()
        entry = Entry(code, _date(line[268:276]), _date(line[284:292]))
        (procedures if line[10] == "3" else modifiers)[code] = entry
    return procedures, modifiers


class Hcpcs:
    def __init__(self, procedures: dict[str, Entry], modifiers: dict[str, Entry], year: str) -> None:
        self.procedures = procedures
        self.modifiers = modifiers
        self.year = year

    @classmethod
    def load(cls, folder: Path) -> Hcpcs:
        files = sources.find(folder, FILE_PATTERN)
        if not files:
            raise sources.CodeSetMissing(f"no HCPCS file ({FILE_PATTERN}) in {folder}")
        path = files[-1]  # the newest year by name
        with sources.open_text(path, "latin-1") as handle:
            procedures, modifiers = parse(list(handle))
        year = path.name.removeprefix("hcpcs")[:4]
        return cls(procedures, modifiers, year if year.isdigit() else "?")

    def problem(self, code: str, on: date | None, *, modifier: bool = False) -> str | None:
        entry = (self.modifiers if modifier else self.procedures).get(code)
        if entry is None:
            return f"not in the HCPCS Level II {self.year} file"
        if entry.terminated is not None and (on is None or on > entry.terminated):
            return f"terminated {entry.terminated.isoformat()}"
        if entry.added is not None and on is not None and on < entry.added:
            return f"not effective before {entry.added.isoformat()}"
        return None
