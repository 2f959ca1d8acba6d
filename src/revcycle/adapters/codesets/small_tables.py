"""Small code sets checked by shape and published ranges (their full content is licensed).

* Revenue codes (NUBC UB-04 FL 42; descriptions are NUBC-licensed): four digits with a leading zero for
  0001 (total) and the categories 010x-099x, plus 100x (behavioural health accommodations), 210x and
  310x (alternative therapy, adult care); X12 837I SV201.
* CPT modifiers (Level I, AMA): two digits (content licensed: format only). HCPCS Level II modifiers
  (two characters, at least one a letter) are looked up in the CMS HCPCS file.
"""

from __future__ import annotations

import re

_REVENUE = re.compile(r"0001|0[1-9][0-9]{2}|100[0-5]|21[0-9]{2}|310[0-9]")
_CPT_MODIFIER = re.compile(r"[0-9]{2}")
_HCPCS_MODIFIER = re.compile(r"[0-9A-Z]{2}")


def revenue_code_problem(code: str) -> str | None:
    if not code.isascii() or not code.isdigit() or len(code) != 4:
        return "not a four-digit UB-04 revenue code"
    if not _REVENUE.fullmatch(code):
        return "outside the UB-04 revenue code ranges"
    return None


def is_cpt_modifier(code: str) -> bool:
    return bool(_CPT_MODIFIER.fullmatch(code))


def is_modifier_shape(code: str) -> bool:
    return bool(_HCPCS_MODIFIER.fullmatch(code))
