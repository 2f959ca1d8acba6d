"""The GL mapping file: TOML (``[[rule]]`` tables) or JSON (``{"rules": [...]}``), validated with every
problem listed (see ``revcycle.domain.gl_mapping`` for the rule semantics).

Example (TOML)::

    [[rule]]                      # the defaults
    legal_entity = "SYNNET"
    cost_centre = "CC-GEN"

    [[rule]]
    transaction = "charge"
    debit = "1200"                # insurance A/R
    credit = "4000"               # patient service revenue

    [[rule]]
    department = "HED"
    cost_centre = "CC-ED"
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from revcycle.domain.gl_mapping import GlMapping, GlMappingError


def parse(text: str, suffix: str) -> GlMapping:
    """A mapping from the text of a file; raises GlMappingError with every problem."""
    try:
        data: Any = json.loads(text) if suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise GlMappingError([f"not valid {'JSON' if suffix == '.json' else 'TOML'}: {error}"]) from None
    if not isinstance(data, dict):
        raise GlMappingError(["the file must hold a table with a list of rules"])
    unknown = sorted(set(data) - {"rule", "rules", "version"})
    if unknown:
        raise GlMappingError([f"unknown top-level key(s): {', '.join(unknown)} (expected rule / rules)"])
    rules = data.get("rules", data.get("rule", []))
    if not isinstance(rules, list) or not rules:
        raise GlMappingError(["no rules: give a non-empty list under 'rule' (TOML) or 'rules' (JSON)"])
    problems = [f"rule {n}: must be a table" for n, r in enumerate(rules, 1) if not isinstance(r, dict)]
    if problems:
        raise GlMappingError(problems)
    return GlMapping.from_raw(rules)


def load(path: Path) -> GlMapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise GlMappingError([f"cannot read {path}: {error.strerror}"]) from None
    return parse(text, path.suffix.lower())
