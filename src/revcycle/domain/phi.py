"""Marking protected health information (PHI) in the model.

A field declared with ``phi_field()`` carries ``metadata={"phi": True}``. Later layers use
``phi_fields(cls)`` to encrypt those columns at rest, mask them for roles that do not need them, and
exclude them from logs, metrics and ERP payloads mechanically, rather than by remembering names.
The 18 HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)) guide what is marked.
"""

from __future__ import annotations

import dataclasses
from typing import Any

PHI = "phi"


def phi_field(*, default: Any = None, required: bool = False) -> Any:
    """A dataclass field holding PHI (names, dates of birth, MRNs, member ids, addresses, phones)."""
    if required:
        return dataclasses.field(metadata={PHI: True})
    return dataclasses.field(default=default, metadata={PHI: True})


def phi_fields(cls: type) -> frozenset[str]:
    """The names of the PHI fields of a dataclass type."""
    return frozenset(f.name for f in dataclasses.fields(cls) if f.metadata.get(PHI))


def without_phi(obj: Any) -> dict[str, Any]:
    """A dataclass instance as a dict with its PHI fields removed (nested dataclasses too)."""
    drop = phi_fields(type(obj))
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        if f.name in drop:
            continue
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = without_phi(value)
        elif isinstance(value, (list, tuple)):
            value = [
                without_phi(v) if dataclasses.is_dataclass(v) and not isinstance(v, type) else v
                for v in value
            ]
        out[f.name] = value
    return out
