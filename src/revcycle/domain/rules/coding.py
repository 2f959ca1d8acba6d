"""Procedure-code shapes: CPT (AMA, format only: its content is licensed) and HCPCS Level II (CMS).

CPT Category I codes are five digits; Category II four digits + ``F``, Category III four digits + ``T``,
PLA codes four digits + ``U`` (AMA CPT code structure). HCPCS Level II codes are a letter A-V and four
digits (CMS HCPCS Level II coding procedures). ICD-10-CM codes are written without their dot.
"""

from __future__ import annotations

import re
from datetime import date

from revcycle.domain.rules.reference import CodeSets

CPT_SHAPE = re.compile(r"[0-9]{5}|[0-9]{4}[FTU]")
HCPCS_SHAPE = re.compile(r"[A-V][0-9]{4}")


def normalise_icd10(code: str) -> str:
    return code.replace(".", "").strip().upper()


def is_procedure_shape(code: str) -> bool:
    return bool(CPT_SHAPE.fullmatch(code) or HCPCS_SHAPE.fullmatch(code))


def procedure_problem(codes: CodeSets, code: str, on: date | None) -> str | None:
    """Why a CPT/HCPCS procedure code is invalid on the date of service, or None."""
    code = code.strip().upper()
    if CPT_SHAPE.fullmatch(code):
        return None
    if HCPCS_SHAPE.fullmatch(code):
        return codes.hcpcs(code, on)
    return "not a CPT or HCPCS code"
