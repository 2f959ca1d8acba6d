"""Claim adjustment reason codes (CARC, X12 external code source 139), claim adjustment group codes
(CAS01) and remittance advice remark codes (RARC, code source 411): code -> meaning.

CARC and group wording comes from the CMS Blue Button copies of the X12 lists in FHIR Shorthand
(``carc_CodeSystem-ANSI-RSN-CD.fsh``, ``carc-group_CodeSystem-ANSI-GRP-CD.fsh``: one ``* #CODE "text"``
line per code; see ``shared/data/SOURCES.md``). The shared data holds RARC code values only (no
wording), so :data:`RARC` is a small table of the remark codes revcycle meets most, worded after the
X12 RARC list (x12.org/codes/remittance-advice-remark-codes, as republished by CMS in its quarterly
"Remittance Advice Remark Code" updates); any other remark code is reported without a meaning.

Files are read on first use and cached (:func:`load`); nothing is read at import.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

CARC_FILE = "carc_CodeSystem-ANSI-RSN-CD.fsh"
GROUP_FILE = "carc-group_CodeSystem-ANSI-GRP-CD.fsh"
_LINE = re.compile(r'^\*\s+#(?P<code>[A-Za-z0-9]+)\s+"(?P<text>(?:[^"\\]|\\.)*)"')

#: Remark codes (RARC) with their meaning, after the X12 RARC list (wording abbreviated).
RARC: MappingProxyType[str, str] = MappingProxyType(
    {
        "M15": "Separately billed services/tests have been bundled as they are considered components of "
        "the same procedure. Separate payment is not allowed.",
        "M51": "Missing/incomplete/invalid procedure code(s).",
        "M76": "Missing/incomplete/invalid diagnosis or condition.",
        "M80": "Not covered when performed during the same session/date as a previously processed "
        "service for the patient.",
        "M127": "Missing patient medical record for this service.",
        "MA04": "Secondary payment cannot be considered without the identity of or payment information "
        "from the primary payer.",
        "MA130": "Your claim contains incomplete and/or invalid information, and no appeal rights are "
        "afforded because the claim is unprocessable. Submit a new claim with the complete/correct "
        "information.",
        "N4": "Missing/incomplete/invalid prior insurance carrier(s) EOB.",
        "N19": "Procedure code incidental to primary procedure.",
        "N20": "Service not payable with other service rendered on the same date.",
        "N30": "Patient ineligible for this service.",
        "N54": "Claim information is inconsistent with pre-certified/authorized services.",
        "N56": "Procedure code billed is not correct/valid for the services billed or the date of "
        "service billed.",
        "N130": "Consult plan benefit documents/guidelines for information about restrictions for this "
        "service.",
        "N211": "Alert: You may not appeal this decision.",
        "N290": "Missing/incomplete/invalid rendering provider primary identifier.",
        "N362": "The number of days or units of service exceeds our acceptable maximum.",
    }
)


class CodeSetMissing(Exception):
    """The code-set folder or one of its files is not there."""


@dataclass(frozen=True, slots=True)
class ReasonCodeSet:
    """CARC, group and RARC meanings; ``describe_*`` return None for a code the lists do not hold."""

    carc: MappingProxyType[str, str]
    groups: MappingProxyType[str, str]
    rarc: MappingProxyType[str, str] = field(default_factory=lambda: RARC)

    def describe_carc(self, code: str) -> str | None:
        return self.carc.get(code.strip().upper())

    def describe_group(self, code: str) -> str | None:
        return self.groups.get(code.strip().upper())

    def describe_rarc(self, code: str) -> str | None:
        return self.rarc.get(code.strip().upper())


def parse_fsh(text: str) -> dict[str, str]:
    """The ``* #CODE "text"`` concept lines of a FHIR Shorthand CodeSystem, code -> text."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match:
            found[match["code"].upper()] = match["text"].replace('\\"', '"')
    return found


def default_folder() -> Path | None:
    """``$REVCYCLE_CODESETS``, ``$REVCYCLE_SHARED_DATA/codesets``, else ``shared/data/codesets`` beside
    the working directory or the source checkout (the layout of the simulator's code sets)."""
    candidates: list[Path] = []
    if os.environ.get("REVCYCLE_CODESETS"):
        candidates.append(Path(os.environ["REVCYCLE_CODESETS"]))
    if os.environ.get("REVCYCLE_SHARED_DATA"):
        candidates.append(Path(os.environ["REVCYCLE_SHARED_DATA"]) / "codesets")
    candidates.append(Path.cwd().parent / "shared" / "data" / "codesets")
    candidates.append(Path.cwd() / "shared" / "data" / "codesets")
    candidates.extend(p / "shared" / "data" / "codesets" for p in Path(__file__).resolve().parents[4:6])
    return next((c for c in candidates if (c / CARC_FILE).is_file()), None)


@functools.cache
def load(folder: Path | None = None) -> ReasonCodeSet:
    """The reason codes from ``folder`` (else :func:`default_folder`), read once per folder."""
    where = folder if folder is not None else default_folder()
    if where is None or not (where / CARC_FILE).is_file():
        raise CodeSetMissing(f"{CARC_FILE} not found (set REVCYCLE_CODESETS to the code-set folder)")
    carc = parse_fsh((where / CARC_FILE).read_text("utf-8"))
    group_path = where / GROUP_FILE
    groups = parse_fsh(group_path.read_text("utf-8")) if group_path.is_file() else {}
    return ReasonCodeSet(MappingProxyType(carc), MappingProxyType(groups))


class LazyReasonCodes:
    """A ``ReasonCodes`` port that loads the lists on the first question, and answers None for every
    code when the files are absent (meanings are an aid to the work queue, never a reason to fail)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._codes: ReasonCodeSet | None = None
        self._missing = False

    def _set(self) -> ReasonCodeSet | None:
        if self._codes is None and not self._missing:
            try:
                self._codes = load(self.folder)
            except CodeSetMissing:
                self._missing = True
        return self._codes

    def describe_carc(self, code: str) -> str | None:
        codes = self._set()
        return codes.describe_carc(code) if codes else None

    def describe_group(self, code: str) -> str | None:
        codes = self._set()
        return codes.describe_group(code) if codes else None

    def describe_rarc(self, code: str) -> str | None:
        return RARC.get(code.strip().upper())
