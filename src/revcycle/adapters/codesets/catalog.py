"""The ``CodeSets`` port over the code-set modules, each loaded on its first look-up; one catalog per
folder per process (``load_code_sets``)."""

from __future__ import annotations

import functools
import threading
from datetime import date
from pathlib import Path

from revcycle.adapters.codesets import small_tables, sources
from revcycle.adapters.codesets.hcpcs import Hcpcs
from revcycle.adapters.codesets.icd10cm import Icd10cm
from revcycle.adapters.codesets.pos import PlaceOfService


class CodeSetCatalog:
    """ICD-10-CM, HCPCS Level II (procedures and modifiers), place of service, revenue codes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    @functools.cached_property
    def _icd10cm(self) -> Icd10cm:
        with self._lock:
            return Icd10cm.load(self.folder)

    @functools.cached_property
    def _hcpcs(self) -> Hcpcs:
        with self._lock:
            return Hcpcs.load(self.folder)

    @functools.cached_property
    def _pos(self) -> PlaceOfService:
        with self._lock:
            return PlaceOfService.load(self.folder)

    def icd10cm(self, code: str, on: date | None) -> str | None:
        return self._icd10cm.problem(code, on)

    def hcpcs(self, code: str, on: date | None) -> str | None:
        return self._hcpcs.problem(code, on)

    def modifier(self, code: str, on: date | None) -> str | None:
        code = code.strip().upper()
        if small_tables.is_cpt_modifier(code):
            return None  # CPT (Level I) modifiers: format only (AMA content)
        if not small_tables.is_modifier_shape(code):
            return "not a two-character modifier"
        return self._hcpcs.problem(code, on, modifier=True)

    def place_of_service(self, code: str) -> str | None:
        return self._pos.problem(code.strip())

    def revenue_code(self, code: str) -> str | None:
        return small_tables.revenue_code_problem(code.strip())


@functools.cache
def load_code_sets(folder: Path | None = None) -> CodeSetCatalog:
    """The catalog for ``folder`` (default: the vendored copies), shared by the whole process."""
    return CodeSetCatalog(sources.folder_of(folder))
