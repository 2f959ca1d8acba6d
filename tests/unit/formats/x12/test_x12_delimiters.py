"""Delimiters from the ISA, with any characters, and the ISA field checks (TA1 codes)."""

from __future__ import annotations

import pytest
from x12_build import CLAIM_837P, isa, render, wrap

from revcycle.adapters.formats.x12.delimiters import read_isa
from revcycle.adapters.formats.x12.document import parse
from revcycle.adapters.formats.x12.errors import (
    InterchangeRejected,
    InvalidInterchangeHeader,
    TruncatedInterchange,
)

DELIMITER_SETS = [
    # element, component, repetition, terminator, line break after the terminator
    ("*", ":", "^", "~", "\n"),
    ("*", ":", "^", "~", "\r\n"),
    ("*", ":", "^", "~", ""),
    ("|", ">", "^", "\n", ""),
    ("*", ":", "^", "\r", "\n"),
    ("*", ">", "^", "\x1d", ""),
    ("!", "`", "}", "|", "\r\n"),
    ("`", "!", "^", "}", "\n"),
    ("\x1d", ":", "^", "\x1c", ""),
    ("*", "|", "^", "!", "\r"),
]


def _claims(raw: bytes) -> list[object]:
    document = parse(raw)
    assert all(t.accepted for t in document.transactions)
    return [t.claims for t in document.claims()]


def test_isa_positions() -> None:
    text = isa(elem="|", comp=">", rep="}") + "!"
    info = read_isa(text)
    assert info.length == 106
    d = info.delimiters
    assert (d.element, d.component, d.repetition, d.segment) == ("|", ">", "}", "!")
    assert info.get(13) == "000000001" and info.notes == ()


@pytest.mark.parametrize("delims", DELIMITER_SETS, ids=lambda d: repr("".join(d)))
def test_any_delimiters_give_the_same_claims(delims: tuple[str, str, str, str, str]) -> None:
    elem, comp, rep, term, line_break = delims
    reference = _claims(render(wrap(CLAIM_837P)))
    raw = render(wrap(CLAIM_837P), elem=elem, comp=comp, rep=rep, term=term, line_break=line_break)
    assert _claims(raw) == reference
    claim = parse(raw).claims()[0].claims[0]
    assert claim.lines[0].modifiers == ("25",) and claim.lines[0].diagnosis_pointers == (1, 2)


def test_bom_indentation_and_crlf() -> None:
    reference = _claims(render(wrap(CLAIM_837P)))
    raw = b"\xef\xbb\xbf" + render(wrap(CLAIM_837P), line_break="\r\n", indent="    ")
    assert _claims(raw) == reference
    raw = b"\r\n  \t" + render(wrap(CLAIM_837P), line_break="\n", indent="\t")
    assert _claims(raw) == reference


def test_4010_u_means_no_repetition_separator() -> None:
    info = read_isa(isa(rep="U", version="00401") + "~")
    assert info.delimiters.repetition is None and info.notes == ()
    info = read_isa(isa(rep="^", version="00401") + "~")
    assert info.delimiters.repetition is None


def test_repetition_equal_to_component_is_noted_not_rejected() -> None:
    info = read_isa(isa(rep=":", comp=":") + "~")
    assert info.delimiters.repetition is None and info.delimiters.ambiguous_component
    assert [(n.code, n.rejects) for n in info.notes] == [("027", False)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (isa(elem="A"), "026"),
        (isa().replace("*:", "*Z")[:-1] + "Z", "027"),
    ],
)
def test_unreadable_delimiters(text: str, code: str) -> None:
    with pytest.raises(InvalidInterchangeHeader) as caught:
        read_isa(text + "~")
    assert caught.value.ta1_code == code


def test_alphanumeric_terminator_is_rejected() -> None:
    with pytest.raises(InvalidInterchangeHeader) as caught:
        read_isa(isa() + "X")
    assert caught.value.ta1_code == "004"


def test_truncated_isa() -> None:
    with pytest.raises(TruncatedInterchange) as caught:
        read_isa(isa()[:60])
    assert caught.value.ta1_code == "023"
    with pytest.raises(TruncatedInterchange):
        read_isa(isa())


def test_isa_with_too_few_elements_in_a_long_text() -> None:
    with pytest.raises(InvalidInterchangeHeader) as caught:
        read_isa("ISA*00*" + "x" * 500)
    assert caught.value.ta1_code == "022"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"date": "261332"}, "014"),
        ({"time": "2561"}, "015"),
        ({"version": "00302"}, "017"),
        ({"control": "00000000X"}, "018"),
        ({"usage": "X"}, "020"),
    ],
)
def test_invalid_isa_fields_reject(kwargs: dict[str, str], code: str) -> None:
    info = read_isa(isa(**kwargs) + "~")
    assert [n.code for n in info.notes] == [code] and info.notes[0].rejects
    raw = render(wrap(CLAIM_837P)).replace(isa().encode(), isa(**kwargs).encode())
    with pytest.raises(InterchangeRejected) as caught:
        parse(raw)
    assert caught.value.ta1_code == code
    assert "00000000X" not in str(caught.value)
    assert parse(raw, strict=False).claim_count == 1


def test_isa_not_fixed_length_names_the_field() -> None:
    text = isa().replace("SENDER         ", "SENDER")
    info = read_isa(text + "~")
    assert info.length == 97
    assert [n.code for n in info.notes] == ["006"]
    assert "ISA06 has 6 characters" in info.notes[0].reason
    assert info.get(6) == "SENDER" and info.delimiters.segment == "~"
