"""NUCC Health Care Provider Taxonomy code set (version 24.0, ``nucc_taxonomy_240.csv``).

A taxonomy code is ten characters (X12 PRV03, NPPES "Healthcare Provider Taxonomy Code"); the file's
``Code`` column lists every valid one. Loaded on first use, once per process, never at import; the
folder comes from ``REVCYCLE_CODESETS_DIR`` or, in a source checkout, ``../shared/data/codesets``.
"""

from __future__ import annotations

import csv
import os
import threading
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "nucc_taxonomy_240.csv"


class CodeSetUnavailable(Exception):
    """The code-set file is not where settings or the checkout layout say."""


def codesets_dir() -> Path | None:
    """``REVCYCLE_CODESETS_DIR`` if set, else the shared sample data next to a source checkout."""
    configured = os.environ.get("REVCYCLE_CODESETS_DIR")
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "codesets"
    return checkout if checkout.is_dir() else None


@dataclass(frozen=True, slots=True)
class Taxonomy:
    codes: frozenset[str]

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code.strip().upper() in self.codes


def load(path: Path) -> Taxonomy:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            codes = frozenset(
                row["Code"].strip().upper() for row in csv.DictReader(handle) if row.get("Code")
            )
    except (OSError, KeyError) as error:
        raise CodeSetUnavailable(f"NUCC taxonomy not readable at {path} ({type(error).__name__})") from None
    if not codes:
        raise CodeSetUnavailable(f"NUCC taxonomy at {path} lists no codes")
    return Taxonomy(codes)


_lock = threading.Lock()
_loaded: dict[Path, Taxonomy] = {}


def taxonomy(folder: Path | None = None) -> Taxonomy | None:
    """The taxonomy from ``folder`` (default: ``codesets_dir()``), loaded once; None when absent."""
    folder = folder or codesets_dir()
    if folder is None or not (folder / FILE_NAME).is_file():
        return None
    with _lock:
        if folder not in _loaded:
            _loaded[folder] = load(folder / FILE_NAME)
        return _loaded[folder]
