"""Code sets on real entries: the vendored copies and the publishers' files in ../shared agree."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from revcycle.adapters.codesets import sources
from revcycle.adapters.codesets.catalog import CodeSetCatalog, load_code_sets
from revcycle.adapters.codesets.hcpcs import Hcpcs
from revcycle.adapters.codesets.icd10cm import Icd10cm, fiscal_year_of, load_release

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "codesets"
DOS = date(2026, 1, 15)


@pytest.fixture(scope="module")
def codes() -> CodeSetCatalog:
    return load_code_sets()


# -- ICD-10-CM ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["E119", "I10", "J069", "S72001A", "Z23"])
def test_a_real_billable_leaf_code_is_valid(codes: CodeSetCatalog, code: str) -> None:
    assert codes.icd10cm(code, DOS) is None


@pytest.mark.parametrize("code", ["E11", "M545", "I25", "S72", "M1A311"])
def test_a_real_header_code_is_not_billable(codes: CodeSetCatalog, code: str) -> None:
    assert codes.icd10cm(code, DOS) == "not billable: a header with subcodes (FY2026)"


def test_an_unknown_code_and_a_block_range_are_invalid(codes: CodeSetCatalog) -> None:
    assert codes.icd10cm("E1199X", DOS) == "not in ICD-10-CM FY2026"
    assert codes.icd10cm("A00-A09", DOS) == "not in ICD-10-CM FY2026"


def test_the_fiscal_year_comes_from_the_release_name() -> None:
    assert fiscal_year_of("icd10cm_code-list-April-2026.txt.gz") == 2026
    assert fiscal_year_of("icd10cm_code-list-October-2026.txt") == 2027
    assert fiscal_year_of("icd10cm_code-list-2025.txt") == 2025
    with pytest.raises(ValueError, match="not an ICD-10-CM"):
        fiscal_year_of("codes.txt")


def test_the_release_valid_on_the_date_of_service_judges_the_code(tmp_path: Path) -> None:
    (tmp_path / "icd10cm_code-list-2025.txt").write_text("U07\nU070\nU071\n")  # FY2025: U07.0 a leaf
    (tmp_path / "icd10cm_code-list-2026.txt").write_text("U07\nU071\n")  # FY2026: U07.0 deleted
    icd = Icd10cm.load(tmp_path)
    assert [r.fiscal_year for r in icd.releases] == [2025, 2026]
    assert icd.problem("U070", date(2025, 9, 30)) is None
    assert icd.problem("U070", date(2025, 10, 1)) == "not in ICD-10-CM FY2026"
    assert icd.problem("U07", date(2025, 3, 1)) == "not billable: a header with subcodes (FY2025)"
    assert icd.release_for(date(2030, 1, 1)).fiscal_year == 2026  # the nearest release


def test_a_folder_without_a_code_list_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(sources.CodeSetMissing, match="ICD-10-CM"):
        Icd10cm.load(tmp_path)


# -- HCPCS Level II -------------------------------------------------------------------------------------


def test_a_real_terminated_hcpcs_code_is_invalid_after_its_termination_date(codes: CodeSetCatalog) -> None:
    # A4466 (2019 file): added 2010-01-01, terminated 2016-12-31.
    assert codes.hcpcs("A4466", date(2016, 12, 31)) is None
    assert codes.hcpcs("A4466", date(2017, 1, 1)) == "terminated 2016-12-31"
    assert codes.hcpcs("A4466", DOS) == "terminated 2016-12-31"


def test_active_hcpcs_codes_are_valid_and_unknown_ones_are_not(codes: CodeSetCatalog) -> None:
    for code in ("J1885", "G0438", "J7030"):
        assert codes.hcpcs(code, DOS) is None
    assert codes.hcpcs("A0000", DOS) == "not in the HCPCS Level II 2019 file"
    assert codes.hcpcs("A4466", date(2009, 6, 1)) == "not effective before 2010-01-01"


def test_modifiers_cpt_by_format_hcpcs_by_the_file(codes: CodeSetCatalog) -> None:
    assert codes.modifier("25", DOS) is None  # CPT modifier: format only
    assert codes.modifier("LT", DOS) is None  # HCPCS modifier in the file
    assert codes.modifier("ZZ", DOS) == "not in the HCPCS Level II 2019 file"
    assert codes.modifier("LTX", DOS) == "not a two-character modifier"


# -- place of service, revenue codes ------------------------------------------------------------------------


def test_place_of_service(codes: CodeSetCatalog) -> None:
    assert codes.place_of_service("11") is None  # office
    assert codes.place_of_service("23") is None  # emergency room
    assert codes.place_of_service("28") == "unassigned place of service code"
    assert codes.place_of_service("X1") == "not a CMS place of service code"


@pytest.mark.parametrize(
    ("code", "problem"), [("0450", None), ("0120", None), ("0001", None), ("2101", None)]
)
def test_valid_revenue_codes(codes: CodeSetCatalog, code: str, problem: str | None) -> None:
    assert codes.revenue_code(code) is problem


@pytest.mark.parametrize("code", ["450", "04500", "ABCD", "9999", "0000"])
def test_invalid_revenue_codes(codes: CodeSetCatalog, code: str) -> None:
    assert codes.revenue_code(code) is not None


# -- vendored copies against the publishers' files -----------------------------------------------------------


def test_the_catalog_is_loaded_once_per_folder_and_lazily() -> None:
    assert load_code_sets() is load_code_sets()
    fresh = CodeSetCatalog(sources.vendored_dir())
    assert "_icd10cm" not in fresh.__dict__  # nothing read until the first look-up
    fresh.icd10cm("I10", DOS)
    assert "_icd10cm" in fresh.__dict__ and "_hcpcs" not in fresh.__dict__


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/codesets not present")
def test_the_vendored_copies_hold_what_the_shared_files_hold() -> None:
    vendored = sources.vendored_dir()
    shared_icd = load_release(SHARED / "icd10cm_code-list-April-2026.txt")
    vendored_icd = load_release(vendored / "icd10cm_code-list-April-2026.txt.gz")
    assert vendored_icd.leaves == shared_icd.leaves and len(shared_icd.leaves) > 70_000
    shared_hcpcs, vendored_hcpcs = Hcpcs.load(SHARED), Hcpcs.load(vendored)
    assert vendored_hcpcs.procedures == shared_hcpcs.procedures
    assert vendored_hcpcs.modifiers == shared_hcpcs.modifiers
    raw = (SHARED / "icd10cm_code-list-April-2026.txt").read_bytes()
    assert gzip.decompress((vendored / "icd10cm_code-list-April-2026.txt.gz").read_bytes()) == raw
    assert load_code_sets(SHARED).icd10cm("E11", DOS) == load_code_sets().icd10cm("E11", DOS)
