"""Masking PHI in answers for roles without ``phi.view``.

Which keys are PHI is derived from the domain model (every ``phi_field`` of every dataclass in
``revcycle.domain``), plus ``raw`` (inbound payloads). Account numbers stay visible: finance and
analysts reconcile by account, and an account id alone names nobody.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from functools import cache
from typing import Any

from revcycle.domain.phi import phi_fields

MASK = "***"
VISIBLE = frozenset({"account"})
EXTRA = frozenset({"raw"})


@cache
def phi_keys() -> frozenset[str]:
    import revcycle.domain as domain

    keys: set[str] = set()
    for info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"revcycle.domain.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value):
                keys |= phi_fields(value)
    return frozenset(keys - VISIBLE) | EXTRA


def mask(value: Any, keys: frozenset[str] | None = None) -> Any:
    """A copy of a JSON-like value with every PHI key's value replaced by ``***``."""
    keys = phi_keys() if keys is None else keys
    if isinstance(value, dict):
        return {k: (MASK if k in keys and v is not None else mask(v, keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, keys) for v in value]
    return value
