"""Place of service codes (CMS POS code set, two digits), from the CMS Blue Button FHIR CodeSystem
``CLM-POS-CD`` (FHIR Shorthand: ``* #11 "OFFICE - ..."``). Codes the set lists as UNASSIGNED are invalid.
"""

from __future__ import annotations

import re
from pathlib import Path

from revcycle.adapters.codesets import sources

FILE = "pos_CodeSystem-CLM-POS-CD.fsh"
_ROW = re.compile(r'\*\s+#(\d{2})\s+"([^"]*)"')


class PlaceOfService:
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    @classmethod
    def load(cls, folder: Path) -> PlaceOfService:
        names = {}
        for line in sources.lines(folder, FILE):
            match = _ROW.match(line.strip())
            if match:
                names[match[1]] = match[2]
        return cls(names)

    def problem(self, code: str) -> str | None:
        name = self.names.get(code)
        if name is None:
            return "not a CMS place of service code"
        if name.upper().startswith("UNASSIGNED"):
            return "unassigned place of service code"
        return None
