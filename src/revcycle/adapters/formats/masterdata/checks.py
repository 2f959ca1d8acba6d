"""Validation of master-data codes: NPI check digit (45 CFR 162.406, ``domain.npi``), NUCC provider
taxonomy (``adapters.codesets.nucc``), CMS place-of-service codes (``adapters.codesets.pos_codes``).

The code sets load lazily on the first row that needs them; when a code-set file is absent the check
is skipped (the NPI check needs no file and always runs).
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field

from revcycle.adapters.codesets import nucc, pos_codes
from revcycle.adapters.formats.masterdata.rows import RowReader
from revcycle.domain.master_data import Effective, effective_errors
from revcycle.domain.npi import is_valid_npi


@dataclass(slots=True)
class CodeChecks:
    """The code sets a load is validated against (each a membership test, or None to skip it)."""

    taxonomy: Callable[[], Container[str] | None] = nucc.taxonomy
    place_of_service: Callable[[], Container[str] | None] = pos_codes.place_of_service_codes
    _cache: dict[str, Container[str] | None] = field(default_factory=dict)

    def _set(self, name: str, load: Callable[[], Container[str] | None]) -> Container[str] | None:
        if name not in self._cache:
            self._cache[name] = load()
        return self._cache[name]

    def npi(self, row: RowReader, key: str, value: str | None) -> None:
        if value is not None and not is_valid_npi(value):
            row.fail(f"{key}: not a valid NPI (ten digits with a Luhn check digit)")

    def taxonomy_code(self, row: RowReader, key: str, value: str | None) -> None:
        codes = self._set("taxonomy", self.taxonomy)
        if value is not None and codes is not None and value not in codes:
            row.fail(f"{key}: {value[:10]!r} is not a NUCC taxonomy code")

    def pos(self, row: RowReader, key: str, value: str | None) -> None:
        codes = self._set("pos", self.place_of_service)
        if value is not None and codes is not None and value.zfill(2) not in codes:
            row.fail(f"{key}: {value[:4]!r} is not a CMS place-of-service code")

    def effective(self, row: RowReader, effective: Effective) -> None:
        for error in effective_errors(effective):
            row.fail(error)
