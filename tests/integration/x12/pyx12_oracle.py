"""pyx12 as a validation oracle: run ``x12n_document`` with its bundled maps, collect error signatures."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pyx12.params
import pyx12.x12n_document


def _walk(node: Any, found: set[tuple[str, str]], seg_id: str = "") -> None:
    if isinstance(node, dict):
        current = node.get("seg_id", seg_id)
        for error in node.get("errors", []):
            if "ele_pos" in node:
                sub = f"-{node['subele_pos']:02d}" if node.get("subele_pos") else ""
                found.add((f"{current}{node['ele_pos']:02d}{sub}", str(error["err_cde"])))
            else:
                found.add((current or "envelope", str(error["err_cde"])))
        for value in node.values():
            _walk(value, found, current)
    elif isinstance(node, list):
        for item in node:
            _walk(item, found, seg_id)


def validate(raw: bytes) -> tuple[bool, set[tuple[str, str]]]:
    """pyx12's verdict and its errors as (segment or element like ``N403``, error code) pairs."""
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    report = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        pyx12.params.params(), io.StringIO(raw.decode("utf-8")), None, None, None, report
    )
    found: set[tuple[str, str]] = set()
    _walk(json.loads(report.getvalue()), found)
    return bool(ok), found
