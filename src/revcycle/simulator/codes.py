"""Code sets: real ICD-10-CM billable codes, HCPCS Level II codes and NUCC taxonomy codes.

Loaded on demand from the shared code-set folder (see ``shared/data/SOURCES.md``):

* ICD-10-CM: ``icd10cm_code-list-April-2026.txt`` (CDC/NCHS, every code without its dot). A code is
  billable when it is a leaf (no longer code starts with it): ICD-10-CM Official Guidelines I.B.2, "a
  code may be used only if it is the highest degree of detail". Categories and subcategories with
  children (``E11``, ``M545``) are headers, not billable: the simulator uses them as invalid codes.
* HCPCS Level II: ``hcpcs2019_HCPC2019_CONTR_ANWEB.txt`` (CMS, fixed width; record layout in
  ``hcpcs2019_recordlayout.txt``: code 1-5, record id 11 (3 = procedure), termination date 285-292).
  Codes with a termination date are expired: the simulator uses them as invalid codes.
* NUCC taxonomy: ``nucc_taxonomy_240.csv`` (first column).

When the folder is absent, a small embedded list of real codes stands in (the manifest says which was
used, since the output depends on it). CPT codes are AMA-copyrighted: no CPT file is read; the service
catalogue (:mod:`.catalog`) uses a handful of commonly cited CPT-format code numbers without descriptions.
"""

from __future__ import annotations

import bisect
import csv
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ICD10_FILE = "icd10cm_code-list-April-2026.txt"
HCPCS_FILE = "hcpcs2019_HCPC2019_CONTR_ANWEB.txt"
TAXONOMY_FILE = "nucc_taxonomy_240.csv"
_ICD_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}")

#: Real, billable ICD-10-CM codes (April 2026) covering the catalogue's conditions: the fallback.
EMBEDDED_ICD10 = """
A419 B349 D509 D649 E039 E1122 E1165 E119 E559 E6601 E669 E782 E785 F329 F419 G4733 H6590 I10
I130 I214 I2510 I4891 I5023 I959 J0190 J029 J069 J101 J189 J209 J449 J45909 K219 K5900 L03115
M1711 M25511 M25561 M5450 N179 N1830 N390 N400 R051 R0602 R079 R1010 R109 R42 R509 R519 R55
R7303 R739 S0100XA S72001A S93401A Z0000 Z0001 Z1231 Z1331 Z136 Z23 Z79899
"""
#: Real category headers (not billable) used as invalid diagnosis codes in the fallback.
EMBEDDED_ICD10_HEADERS = "E11 I25 J45 M545 N18 R07 S72 Z00"
#: Real HCPCS Level II codes (2019 file) used by the catalogue, and a few terminated ones.
EMBEDDED_HCPCS = "A4550 G0008 G0009 G0438 G0439 J0696 J1030 J1100 J1885 J2405 J3420 J7030 J7050 Q4051"
EMBEDDED_HCPCS_TERMINATED = "A4466 A7011 A7042 A7043 A9544"
#: NUCC taxonomy codes the world uses.
EMBEDDED_TAXONOMY = """
207Q00000X 207R00000X 207RC0000X 207P00000X 2085R0202X 207X00000X 208000000X 208M00000X 363LF0000X
363A00000X 282N00000X 261QP2300X 261QU0200X 291U00000X 193400000X 193200000X 207L00000X 207ZP0105X
207RS0012X 225100000X
"""


@dataclass(frozen=True, slots=True)
class CodeSets:
    """The code lists the simulator draws from; ``origin`` is ``"shared"`` or ``"embedded"``."""

    icd10: tuple[str, ...]  # sorted billable codes
    icd10_headers: tuple[str, ...]  # sorted non-billable categories
    hcpcs: frozenset[str]
    hcpcs_terminated: tuple[str, ...]
    taxonomies: frozenset[str]
    origin: str

    def billable_under(self, prefix: str) -> tuple[str, ...]:
        """Billable codes starting with ``prefix``, in code order (injuries: initial encounter only)."""
        start = bisect.bisect_left(self.icd10, prefix)
        found: list[str] = []
        for code in self.icd10[start:]:
            if not code.startswith(prefix):
                break
            if code[0] in "ST" and len(code) == 7 and code[6] != "A":
                continue
            found.append(code)
        return tuple(found)

    def is_billable(self, code: str) -> bool:
        index = bisect.bisect_left(self.icd10, code)
        return index < len(self.icd10) and self.icd10[index] == code


def default_folder() -> Path | None:
    """The shared code-set folder: ``$REVCYCLE_CODESETS``, ``$REVCYCLE_SHARED_DATA/codesets``, else a
    ``shared/data/codesets`` folder beside the working directory or the source checkout."""
    candidates: list[Path] = []
    if os.environ.get("REVCYCLE_CODESETS"):
        candidates.append(Path(os.environ["REVCYCLE_CODESETS"]))
    if os.environ.get("REVCYCLE_SHARED_DATA"):
        candidates.append(Path(os.environ["REVCYCLE_SHARED_DATA"]) / "codesets")
    candidates.append(Path.cwd().parent / "shared" / "data" / "codesets")
    candidates.extend(p / "shared" / "data" / "codesets" for p in Path(__file__).resolve().parents[3:5])
    return next((c for c in candidates if (c / ICD10_FILE).is_file()), None)


def _icd10(folder: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    text = (folder / ICD10_FILE).read_text("ascii", errors="replace")
    codes = sorted({line.strip() for line in text.splitlines() if _ICD_SHAPE.fullmatch(line.strip())})
    billable: list[str] = []
    headers: list[str] = []
    for index, code in enumerate(codes):
        has_child = index + 1 < len(codes) and codes[index + 1].startswith(code)
        (headers if has_child else billable).append(code)
    return tuple(billable), tuple(headers)


def _hcpcs(folder: Path) -> tuple[frozenset[str], tuple[str, ...]]:
    active: set[str] = set()
    terminated: list[str] = []
    with (folder / HCPCS_FILE).open(encoding="latin-1") as lines:
        for line in lines:
            if len(line) > 292 and line[10] == "3":
                code = line[:5]
                (terminated.append(code) if line[284:292].strip() else active.add(code))
    return frozenset(active), tuple(sorted(terminated))


def _taxonomies(folder: Path) -> frozenset[str]:
    with (folder / TAXONOMY_FILE).open(encoding="utf-8", newline="") as handle:
        return frozenset(row[0] for row in csv.reader(handle) if row and row[0] != "Code")


def embedded() -> CodeSets:
    """The fallback lists (real codes; see the constants above)."""
    return CodeSets(
        icd10=tuple(sorted(EMBEDDED_ICD10.split())),
        icd10_headers=tuple(sorted(EMBEDDED_ICD10_HEADERS.split())),
        hcpcs=frozenset(EMBEDDED_HCPCS.split()),
        hcpcs_terminated=tuple(EMBEDDED_HCPCS_TERMINATED.split()),
        taxonomies=frozenset(EMBEDDED_TAXONOMY.split()),
        origin="embedded",
    )


def load(folder: Path | None = None) -> CodeSets:
    """The shared code sets from ``folder`` (default :func:`default_folder`), else the embedded lists."""
    folder = folder if folder is not None else default_folder()
    if folder is None or not (folder / ICD10_FILE).is_file():
        return embedded()
    billable, headers = _icd10(folder)
    has_hcpcs = (folder / HCPCS_FILE).is_file()
    fallback = embedded()
    hcpcs, terminated = _hcpcs(folder) if has_hcpcs else (fallback.hcpcs, fallback.hcpcs_terminated)
    has_nucc = (folder / TAXONOMY_FILE).is_file()
    return CodeSets(
        icd10=billable,
        icd10_headers=headers,
        hcpcs=hcpcs,
        hcpcs_terminated=terminated,
        taxonomies=_taxonomies(folder) if has_nucc else fallback.taxonomies,
        origin="shared",
    )


def with_dot(code: str) -> str:
    """ICD-10-CM display form: a dot after the third character (``E1165`` -> ``E11.65``)."""
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def pick_existing(candidates: Sequence[str], known: frozenset[str]) -> tuple[str, ...]:
    """The candidates present in ``known``, in order."""
    return tuple(c for c in candidates if c in known)
