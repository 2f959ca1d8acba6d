"""Differential test: our tokenizer against python-hl7 on every shared HL7 v2 sample, field by field.

For every file in ``shared/data/hl7v2`` (bytes exactly as stored) we split it into messages, tokenize
each with our reader and, where python-hl7 can read it, compare segment ids, field counts and every
field / repetition / component / sub-component (raw text), plus the unescaped value of leaves that
hold escape sequences both readers interpret the same way.

Deliberate differences (python-hl7 0.4.5 vs us), each following HL7 v2.5.1 Chapter 2 "Control":

D1  Segment terminators (§2.6 "Message construction rules": segments end with CR). python-hl7 splits
    only on CR, so an LF-terminated file reads as ONE segment; we also accept LF and CRLF, because a
    bare line break cannot be data (values must escape it, §2.7). python-hl7 is given CR endings.
D2  A leading UTF-8 BOM: python-hl7 keeps U+FEFF in front of "MSH" and fails; we skip it.
D3  Spaces/tabs at the end of a segment: python-hl7 keeps them in the last field; we drop them
    (they are transfer artefacts; a value never ends a segment with meaningful whitespace).
D4  Blank lines: python-hl7 turns them into empty segments or fails; we skip them (and in files, text
    between messages that is not HL7, such as comment lines, see :mod:`.batch`).
D5  A shorter MSH-2 (§2.5.4 "Message delimiters", MSH-2): python-hl7 substitutes the default for a
    delimiter MSH-2 leaves out (e.g. splits sub-components on "&" under ``^~}``); we treat it as absent.
D6  Repeated delimiters (``^~\\\\&`` declares "\\" as both escape character and sub-component separator):
    python-hl7 reads the ambiguous message; we reject it (BadEncodingCharacters, table 0357 code 102).
D7  Escape sequences (§2.7): python-hl7 returns raw text and unescapes only on request; we unescape on
    access (and keep the raw text available). Interpretations differ for: ``\\Xhh..\\`` (python-hl7
    maps each byte to a Latin-1 character; we decode the bytes with the message's character set,
    §2.7.5), ``\\.br\\`` (python-hl7 "\\r", we "\\n"), and sequences we keep verbatim where python-hl7
    drops or rewrites them (``\\H\\ \\N\\ \\Z..\\ \\C..\\ \\.sp\\``, unterminated or empty sequences).
D8  Several messages without FHS/BHS: python-hl7 ``parse_hl7`` reads them as a batch; our ``parse``
    takes one message and rejects a second MSH (BadSegment, 100); ``split_messages`` splits them.
D9  Header checks (MSH-9/10/11/12, §2.9.2) belong to our ``parse``, not to ``tokenize``; python-hl7
    has none. This test compares ``tokenize``; the outcome table also records what ``parse`` says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hl7
import pytest

from revcycle.adapters.formats.hl7v2.batch import split_messages
from revcycle.adapters.formats.hl7v2.encoding import DEFAULT_ENCODING_CHARACTERS
from revcycle.adapters.formats.hl7v2.errors import (
    BadEncodingCharacters,
    Hl7Unreadable,
    MissingHeaderField,
)
from revcycle.adapters.formats.hl7v2.message import Message
from revcycle.adapters.formats.hl7v2.tokenizer import parse, tokenize


@dataclass(frozen=True)
class Outcome:
    """What we expect for one file.

    messages: how many messages ``split_messages`` finds; skipped: line numbers it skips (D4);
    tokenize_error / parse_errors: message index -> our error class; python_hl7_raw: what python-hl7's
    ``parse_hl7`` makes of the unmodified file (a class name, or ``"fails"``)."""

    messages: int = 1
    python_hl7_raw: str = "Message"
    skipped: tuple[int, ...] = ()
    tokenize_errors: dict[int, type[Hl7Unreadable]] = field(default_factory=dict)
    parse_errors: dict[int, type[Hl7Unreadable]] = field(default_factory=dict)
    note: str = ""


LF_ONE_SEGMENT = "Message"  # python-hl7 reads an LF file as one message of ONE segment (D1)

EXPECTED: dict[str, Outcome] = {
    "cdc-ti__005_MN_ADT_A01.hl7": Outcome(note="LF (D1)"),
    "fhirconverter-2020__SIU-S12.hl7": Outcome(note="LF, MSH-18 'utf-8'"),
    "fhirconverter-2020__SIU-S15.hl7": Outcome(),
    "fhirconverter__ADT-A01-01.hl7": Outcome(note="\\T\\ escapes"),
    "fhirconverter__ADT-A01-02.hl7": Outcome(),
    "fhirconverter__ADT-A03-01.hl7": Outcome(),
    "fhirconverter__ADT-A03-02.hl7": Outcome(),
    "fhirconverter__ADT-A04-01.hl7": Outcome(),
    "fhirconverter__ADT-A04-02.hl7": Outcome(),
    "fhirconverter__ADT-A08-01.hl7": Outcome(),
    "fhirconverter__ADT01-23.hl7": Outcome(python_hl7_raw="fails", note="BOM (D2), trailing spaces (D3)"),
    "fhirconverter__ADT01-28.hl7": Outcome(python_hl7_raw="fails", note="BOM (D2)"),
    "fhirconverter__ADT04-23.hl7": Outcome(python_hl7_raw="fails", note="BOM (D2)"),
    "fhirconverter__BAR-P01-01.hl7": Outcome(),
    "fhirconverter__BAR-P02-01.hl7": Outcome(),
    "fhirconverter__BAR-P02-02.hl7": Outcome(),
    "fhirconverter__BAR-P12-01.hl7": Outcome(),
    "fhirconverter__BAR-P12-02.hl7": Outcome(),
    "fhirconverter__DFT-P03-01.hl7": Outcome(),
    "fhirconverter__DFT-P11-01.hl7": Outcome(),
    "fhirconverter__LAB-ORU-1.hl7": Outcome(python_hl7_raw="fails", note="BOM (D2)"),
    "fhirconverter__ORM-O01-01.hl7": Outcome(python_hl7_raw="fails", note="BOM (D2)"),
    "fhirconverter__ORU-R01-01.hl7": Outcome(),
    "fhirconverter__SIU-S12-01.hl7": Outcome(),
    "fhirconverter__SIU-S12-02.hl7": Outcome(),
    "fhirconverter__SIU-S13-01.hl7": Outcome(),
    "fhirconverter__SIU-S14-01.hl7": Outcome(),
    "fhirconverter__SIU-S15-01.hl7": Outcome(),
    "fhirconverter__SIU-S16-01.hl7": Outcome(),
    "fhirconverter__SIU-S17-01.hl7": Outcome(),
    "fhirconverter__SIU-S26-01.hl7": Outcome(),
    "fhirconverter__VXU.hl7": Outcome(python_hl7_raw="fails", note="BOM (D2)"),
    "hapi__adt_a03.txt": Outcome(),
    "hapi__cv.04_001_chem.hl7": Outcome(note="MSH-18 8859/1, Z segment"),
    "hapi__docs_ADT_A01.txt": Outcome(note="CR"),
    "hapi__messages.txt": Outcome(
        messages=18,
        python_hl7_raw="fails",
        skipped=(1, 2, 3, 12, 25, 35, 45, 51, 64, 71, 79, 87, 96, 131, 132, 133),
        note="comment lines between messages (D4); MSH-2 ^~\\} and ^~} (D5)",
    ),
    "hapi__omd_o03_rep.txt": Outcome(note="CR"),
    "lfh__sample_unix.hl7": Outcome(
        tokenize_errors={0: BadEncodingCharacters}, note="MSH-2 ^~\\\\& repeats \\ (D6)"
    ),
    "lfh__sample_win.hl7": Outcome(tokenize_errors={0: BadEncodingCharacters}, note="CRLF; D6"),
    "mirth__batch01.hl7": Outcome(messages=3, note="3 messages, no FHS/BHS (D8)"),
    "mirth__nonbatch_05.hl7": Outcome(),
    "mirth__nonbatch_06.hl7": Outcome(),
    "mirth__small.hl7": Outcome(note="CR"),
    "mirth__test-hl7-batch-input.txt": Outcome(python_hl7_raw="File", note="FHS/BHS, no trailers, CRLF"),
    "mirth__test-hl7-input.txt": Outcome(note="CRLF"),
    "nhapi__OML_O21_messages.txt": Outcome(
        messages=7,
        parse_errors={4: MissingHeaderField, 6: MissingHeaderField},
        note="7 messages (D8); #5 and #7 have no MSH-10 (D9); UTF-8 text",
    ),
}


def for_python_hl7(raw: bytes) -> str:
    """What python-hl7 can read: no BOM (D2), CR segment ends (D1), no trailing blanks (D3), no blank
    lines (D4). The bytes are valid UTF-8 in every sample."""
    text = raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\r").replace("\n", "\r")
    return "\r".join(line.rstrip(" \t") for line in text.split("\r") if line.strip(" \t"))


def their_tree(node: Any, depth: int) -> Any:
    """python-hl7 nests only where a separator occurs; rebuild the full depth (reps > comps > subs)."""
    if isinstance(node, str):
        for _ in range(depth):
            node = [node]
        return node
    if depth == 0:
        return str(node)
    return [their_tree(child, depth - 1) for child in node]


def our_tree(message: Message, segment_index: int, field_number: int) -> list[list[list[str]]]:
    segment = message.segments()[segment_index]
    fld = segment[field_number]
    if not fld.raw:
        return [[[""]]]
    split = message.delimiters.sub_split
    return [[comp.raw.split(split) for comp in rep.components()] for rep in fld.repetitions()]


_PLAIN_ESCAPES = re.compile(r"(?:[FSTRE]|X(?:[0-7][0-9A-Fa-f])+)")


def comparable_escapes(leaf: str, esc: str) -> bool:
    """True when every escape sequence in ``leaf`` is one both readers interpret alike (D7)."""
    parts = leaf.split(esc)
    if len(parts) % 2 == 0:
        return False  # unterminated sequence
    return all(_PLAIN_ESCAPES.fullmatch(code) for code in parts[1::2])


def compare(ours: Message, theirs: hl7.Message, where: str) -> int:
    """Assert equality segment by segment; returns the number of leaves compared."""
    d = ours.delimiters
    assert [s.id for s in ours] == [str(s[0]) for s in theirs], where
    leaves = 0
    for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        at = f"{where} segment {index + 1} ({mine.id})"
        assert len(mine.fields) == len(other), at
        for number in range(1, len(mine.fields)):
            if mine.id == "MSH" and number <= 2:
                assert mine.raw(number) == str(other[number]), f"{at} field {number}"
                continue
            expected = their_tree(other[number], 3)
            if not d.subcomponent:  # D5: python-hl7 split on its default "&"
                expected = [[["&".join(subs)] for subs in rep] for rep in expected]
            got = our_tree(ours, index, number)
            assert got == expected, f"{at} field {number}"
            for rep_no, rep in enumerate(mine[number].repetitions()):
                for comp_no, comp in enumerate(rep.components()):
                    for sub_no, value in enumerate(comp.subcomponents()):
                        leaves += 1
                        raw_leaf = got[rep_no][comp_no][sub_no]
                        if d.escape and d.escape in raw_leaf and comparable_escapes(raw_leaf, d.escape):
                            assert value == theirs.unescape(raw_leaf), f"{at} field {number} (unescaped)"
                        elif not (d.escape and d.escape in raw_leaf):
                            assert value == raw_leaf
    return leaves


def test_the_table_lists_every_sample(shared_data: Path) -> None:
    assert sorted(p.name for p in (shared_data / "hl7v2").iterdir()) == sorted(EXPECTED)


def test_python_hl7_on_unmodified_files(shared_data: Path) -> None:
    """Where python-hl7 departs from the standard on the raw bytes (D1, D2, D4)."""
    for name, outcome in EXPECTED.items():
        text = (shared_data / "hl7v2" / name).read_bytes().decode("utf-8")
        try:
            kind = type(hl7.parse_hl7(text)).__name__
        except (hl7.ParseException, ValueError):
            kind = "fails"
        assert kind == outcome.python_hl7_raw, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_differential(shared_data: Path, name: str) -> None:
    outcome = EXPECTED[name]
    raw = (shared_data / "hl7v2" / name).read_bytes()
    batch = split_messages(raw)
    assert len(batch.messages) == outcome.messages
    assert batch.skipped_lines == outcome.skipped
    # A single-message file goes to our tokenizer byte for byte (BOM, LF, CRLF and all).
    inputs = [raw] if outcome.messages == 1 else list(batch.messages)
    if raw.lstrip(b"\xef\xbb\xbf").startswith((b"FHS", b"BHS")):
        inputs = list(batch.messages)
    compared = 0
    for index, message_bytes in enumerate(inputs):
        where = f"{name} message {index + 1}"
        expected_error = outcome.tokenize_errors.get(index)
        if expected_error is not None:
            with pytest.raises(expected_error):
                tokenize(message_bytes)
            continue
        ours = tokenize(message_bytes)
        parse_error = outcome.parse_errors.get(index)
        if parse_error is not None:
            with pytest.raises(parse_error):
                parse(message_bytes)
        else:
            assert parse(message_bytes).control_id == ours.control_id
        theirs = hl7.parse(for_python_hl7(message_bytes))
        compared += compare(ours, theirs, where)
    if outcome.tokenize_errors and len(outcome.tokenize_errors) == len(inputs):
        # D6: python-hl7 reads what we reject; check it really does, so the table stays honest.
        assert hl7.parse(for_python_hl7(raw)) is not None
    else:
        assert compared > 0


def test_escape_sequences_are_compared_somewhere(shared_data: Path) -> None:
    """The samples hold \\T\\ escapes: make sure the unescaped comparison is exercised."""
    raw = (shared_data / "hl7v2" / "fhirconverter__ADT-A01-01.hl7").read_bytes()
    assert b"\\T\\" in raw
    ours = tokenize(raw)
    theirs = hl7.parse(for_python_hl7(raw))
    assert ours.delimiters.encoding_characters == DEFAULT_ENCODING_CHARACTERS
    values = [
        value
        for segment in ours
        for fld in segment
        for rep in fld.repetitions()
        for comp in rep.components()
        for value in comp.subcomponents()
        if "&" in value
    ]
    assert values, "no unescaped \\T\\ found"
    compare(ours, theirs, "ADT-A01-01")
