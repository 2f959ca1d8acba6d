"""Edit tables in the CMS file shapes (notice lines before the header), the defaults, the chargemaster."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from revcycle.adapters.codesets.edit_tables import (
    CsvEditTables,
    EditTableError,
    default_paths,
    load_mue,
    load_ptp,
    load_sex_age,
)
from revcycle.adapters.codesets.reference import build_reference, load_chargemaster
from revcycle.domain.rules.edits import MueEdit, PtpEdit, SexAgeEdit

CMS_MUE = """\
"CPT codes, descriptions and other data only are copyright 2025 American Medical Association."
"HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator","MUE Rationale"
"36415","2","2 Date of Service Edit: Policy","Nature of Service/Procedure"
"97110","6","3 Date of Service Edit: Clinical","Clinical: Data"
"""

CMS_PTP = """\
"Notice: CPT only copyright 2025 American Medical Association. All rights reserved."
"Column 1","Column 2","* = In existence prior to 1996","Effective Date","Deletion Date *=no data","Modifier 0=not allowed 1=allowed 9=not applicable","PTP Edit Rationale"
"80053","80048","","20100101","*","0","Laboratory panel"
"96374","96372","","20090101","20251231","1","Standards of medical / surgical practice"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_cms_mue_shape_is_read_after_its_notice_lines(tmp_path: Path) -> None:
    table = load_mue(write(tmp_path, "mue.csv", CMS_MUE))
    assert table == {"36415": MueEdit("36415", 2, 2), "97110": MueEdit("97110", 6, 3)}


def test_the_cms_ptp_shape_with_dates_and_modifier_indicators(tmp_path: Path) -> None:
    table = load_ptp(write(tmp_path, "ptp.csv", CMS_PTP))
    assert table[("80053", "80048")] == PtpEdit("80053", "80048", 0, date(2010, 1, 1), None)
    deleted = table[("96374", "96372")]
    assert deleted.deleted == date(2025, 12, 31) and not deleted.applies(date(2026, 1, 1))


def test_sex_age_rows_and_their_errors(tmp_path: Path) -> None:
    rows = "code,kind,sex,min_age,max_age\nN40,diagnosis,M,,\n99395,procedure,,18,39\n"
    assert load_sex_age(write(tmp_path, "sa.csv", rows)) == {
        ("diagnosis", "N40"): SexAgeEdit("N40", "M"),
        ("procedure", "99395"): SexAgeEdit("99395", None, 18, 39),
    }
    with pytest.raises(EditTableError, match=r"sa2.csv row 2: sex must be F, M or blank"):
        load_sex_age(write(tmp_path, "sa2.csv", "code,kind,sex\nN40,diagnosis,X\n"))
    with pytest.raises(EditTableError, match="kind must be diagnosis or procedure"):
        load_sex_age(write(tmp_path, "sa3.csv", "code,kind\nN40,dx\n"))


def test_bad_rows_name_the_file_and_row(tmp_path: Path) -> None:
    with pytest.raises(EditTableError, match=r"mue.csv row 2: 'many' is not a whole number"):
        load_mue(write(tmp_path, "mue.csv", "HCPCS/CPT Code,MUE\n99213,many\n"))
    with pytest.raises(EditTableError, match="needs the six CMS PTP columns"):
        load_ptp(write(tmp_path, "ptp.csv", "Column 1,Column 2\n80053,80048\n"))


def test_the_shipped_defaults_load_and_prefixes_match() -> None:
    edits = CsvEditTables(*default_paths())
    assert edits.mue("99213") == MueEdit("99213", 1, 2)
    assert edits.ptp("80053", "80048", None) is not None
    assert edits.sex_age("O800", "diagnosis") == SexAgeEdit("O", "F", 9, 64)
    assert edits.sex_age("O800", "procedure") is None
    assert edits.sex_age("99396", "procedure") == SexAgeEdit("99396", None, 40, 64)


def test_a_users_tables_and_chargemaster_replace_the_defaults(tmp_path: Path) -> None:
    mue = write(tmp_path, "mue.csv", CMS_MUE)
    master = write(tmp_path, "cdm.csv", "service_code,code\n# room\nroom,0120\nLOC-OV-1,99213\n")
    reference = build_reference(mue_file=mue, chargemaster_file=master, missing_charge_hours=24)
    assert reference.edits.mue("99213") is None and reference.edits.mue("97110") is not None
    assert reference.chargemaster == {"ROOM": "0120", "LOC-OV-1": "99213"}
    assert reference.thresholds.missing_charge_after.total_seconds() == 24 * 3600
    with pytest.raises(EditTableError, match="needs a service code and its billing code"):
        load_chargemaster(write(tmp_path, "bad.csv", "LOC-1\n"))
