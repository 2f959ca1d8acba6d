"""Builds the rules' ``Reference`` from settings: code sets, edit tables, chargemaster, thresholds."""

from __future__ import annotations

import csv
import functools
from datetime import timedelta
from pathlib import Path

from revcycle.adapters.codesets import sources
from revcycle.adapters.codesets.catalog import load_code_sets
from revcycle.adapters.codesets.edit_tables import CsvEditTables, EditTableError, default_paths
from revcycle.domain.rules.reference import Reference, Thresholds


def load_chargemaster(path: Path) -> dict[str, str]:
    """A chargemaster CSV: ``service_code,code`` (a local service or charge item code, and the CPT /
    HCPCS or UB-04 revenue code it bills as); a header row and ``#`` comment lines are skipped."""
    table: dict[str, str] = {}
    with sources.open_text(path, "utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith("#") or cells[0].lower() == "service_code":
                continue
            if len(cells) < 2 or not cells[1]:
                raise EditTableError(f"{path.name} row {number}: needs a service code and its billing code")
            table[cells[0].upper()] = cells[1].upper()
    return table


def build_reference(
    *,
    codesets_dir: Path | None = None,
    mue_file: Path | None = None,
    ptp_file: Path | None = None,
    sex_age_file: Path | None = None,
    chargemaster_file: Path | None = None,
    missing_charge_hours: float = 72.0,
    timely_filing_margin_days: int = 14,
) -> Reference:
    """Nothing is read here but the (small) chargemaster: code sets and edit tables load lazily."""
    mue, ptp, sex_age = default_paths()
    return Reference(
        codes=load_code_sets(codesets_dir),
        edits=CsvEditTables(mue_file or mue, ptp_file or ptp, sex_age_file or sex_age),
        chargemaster=load_chargemaster(chargemaster_file) if chargemaster_file else {},
        thresholds=Thresholds(
            missing_charge_after=timedelta(hours=missing_charge_hours),
            timely_filing_margin_days=timely_filing_margin_days,
        ),
    )


@functools.cache
def default_reference() -> Reference:
    """The vendored code sets and default tables, built once per process (tests, ad-hoc units of work)."""
    return build_reference()
