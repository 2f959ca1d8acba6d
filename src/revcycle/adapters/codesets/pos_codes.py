"""CMS place-of-service codes (two digits; the CMS POS code set as published in the Blue Button
``CLM_POS_CD`` FHIR CodeSystem, ``pos_CodeSystem-CLM-POS-CD.fsh``: one ``* #NN "description"`` line each).

Used to validate a facility's default place of service (X12 837P CLM05-1 / SV105). Loaded on first
use, once per process, from the same folder as the NUCC taxonomy.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from revcycle.adapters.codesets.nucc import CodeSetUnavailable, codesets_dir

FILE_NAME = "pos_CodeSystem-CLM-POS-CD.fsh"
_LINE = re.compile(r'^\*\s+#(\d{2})\s+"(.*)"')


def load(path: Path) -> frozenset[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CodeSetUnavailable(f"place-of-service codes not readable ({type(error).__name__})") from None
    codes = frozenset(
        m.group(1)
        for m in map(_LINE.match, text.splitlines())
        if m is not None and m.group(2).strip().upper() != "UNASSIGNED"
    )
    if not codes:
        raise CodeSetUnavailable(f"no place-of-service codes in {path}")
    return codes


_lock = threading.Lock()
_loaded: dict[Path, frozenset[str]] = {}


def place_of_service_codes(folder: Path | None = None) -> frozenset[str] | None:
    """The assigned POS codes, loaded once; None when the file is absent."""
    folder = folder or codesets_dir()
    if folder is None or not (folder / FILE_NAME).is_file():
        return None
    with _lock:
        if folder not in _loaded:
            _loaded[folder] = load(folder / FILE_NAME)
        return _loaded[folder]
