"""CARC / group / RARC meanings from the shared code-set files (CMS Blue Button copies of the X12 lists)."""

from __future__ import annotations

from pathlib import Path

import pytest

from revcycle.adapters.codesets import carc


@pytest.fixture
def folder(shared_data: Path) -> Path:
    return shared_data / "codesets"


def test_every_reason_code_of_the_file_is_loaded(folder: Path) -> None:
    codes = carc.load(folder)
    lines = [x for x in (folder / carc.CARC_FILE).read_text().splitlines() if x.startswith("* #")]
    assert len(codes.carc) == len(lines) == 407
    assert codes.describe_carc("45") == "Charges exceed your contracted/legislated fee arrangement."
    assert codes.describe_carc("2") == "Coinsurance Amount"
    assert codes.describe_carc(" b7 ") is not None  # trimmed, case-insensitive
    assert codes.describe_carc("ZZZ9") is None


def test_group_codes_are_loaded(folder: Path) -> None:
    codes = carc.load(folder)
    assert sorted(codes.groups) == ["CO", "CR", "OA", "PI", "PR"]
    assert (codes.describe_group("pr") or "").startswith("Patient Responsibility")


def test_fsh_lines_with_escaped_quotes_are_read() -> None:
    text = '* ^status = #active\n* #A1 "Claim/Service denied."\n* #X "a \\"quoted\\" word"\nnot a concept'
    assert carc.parse_fsh(text) == {"A1": "Claim/Service denied.", "X": 'a "quoted" word'}


def test_remark_codes_come_from_the_cited_table() -> None:
    assert carc.RARC["N211"] == "Alert: You may not appeal this decision."
    assert (
        carc.LazyReasonCodes().describe_rarc(
            "m15",
        )
        is not None
    )
    assert carc.LazyReasonCodes().describe_rarc("N9999") is None


def test_loading_is_lazy_and_cached(folder: Path) -> None:
    assert carc.load(folder) is carc.load(folder)
    lazy = carc.LazyReasonCodes(folder)
    assert lazy._codes is None  # nothing read before the first question
    assert lazy.describe_carc("29") == "The time limit for filing has expired."
    assert lazy._codes is not None


def test_a_missing_folder_answers_none_instead_of_failing(tmp_path: Path) -> None:
    with pytest.raises(carc.CodeSetMissing):
        carc.load(tmp_path)
    lazy = carc.LazyReasonCodes(tmp_path)
    assert lazy.describe_carc("45") is None and lazy.describe_group("CO") is None
