"""GL mapping: most specific rule wins per output, gaps name what is missing, bad files are explained."""

from __future__ import annotations

import pytest

from revcycle.adapters.erp.gl_file import parse
from revcycle.domain.gl_mapping import Dimensions, GlGap, GlMapping, GlMappingError, GlTarget

RULES = [
    {"legal_entity": "LE1", "cost_centre": "CC-0"},
    {"transaction": "charge", "debit": "1200", "credit": "4000"},
    {"transaction": "charge", "payer_class": "self_pay", "debit": "1210"},
    {"facility": "HOSP", "cost_centre": "CC-1"},
    {"facility": "HOSP", "department": "ED", "cost_centre": "CC-2"},
    {"department": "ED", "legal_entity": "LE-ED"},
]


def test_each_output_comes_from_the_most_specific_matching_rule() -> None:
    mapping = GlMapping.from_raw(RULES)
    assert mapping.resolve("charge", Dimensions("HOSP", "ED", "medicare")) == GlTarget(
        "1200", "4000", "CC-2", "LE-ED"
    )
    assert mapping.resolve("charge", Dimensions("HOSP", "LAB", "medicare")) == GlTarget(
        "1200", "4000", "CC-1", "LE1"
    )
    # a department-only rule outranks a facility-only rule (transaction > department > facility ...)
    assert mapping.resolve("charge", Dimensions("CLN", None, "self_pay")) == GlTarget(
        "1210", "4000", "CC-0", "LE1"
    )


def test_a_transaction_without_accounts_is_a_gap_naming_what_is_missing() -> None:
    gap = GlMapping.from_raw(RULES).resolve("refund", Dimensions("HOSP", "ED", "commercial", "emergency"))
    assert isinstance(gap, GlGap)
    assert gap.missing == ("debit", "credit")
    assert "refund" in gap.reason and "facility=HOSP" in gap.reason and "service_line=emergency" in gap.reason


def test_wildcards_and_left_out_keys_match_anything() -> None:
    mapping = GlMapping.from_raw(
        [
            {
                "transaction": "*",
                "facility": "*",
                "debit": "1",
                "credit": "2",
                "cost_centre": "C",
                "legal_entity": "L",
            }
        ]
    )
    assert isinstance(mapping.resolve("write_off", Dimensions()), GlTarget)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([{"transaction": "charges", "debit": "1"}], "transaction 'charges' is not one of"),
        ([{"facility": "X"}], "gives none of"),
        ([{"debit": "has space"}], "is not a code"),
        ([{"colour": "red", "debit": "1"}], "unknown key 'colour'"),
        ([{"debit": 12}], "debit must be a non-empty string"),
        ([{"facility": "A", "debit": "1"}, {"facility": "A", "debit": "2"}], "same keys as rule 1"),
    ],
)
def test_invalid_rules_are_rejected_with_every_problem(rules: list[dict[str, object]], expected: str) -> None:
    with pytest.raises(GlMappingError) as caught:
        GlMapping.from_raw(rules)
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_all_problems_are_listed_at_once() -> None:
    with pytest.raises(GlMappingError) as caught:
        GlMapping.from_raw([{"debit": "a b"}, {"transaction": "nope", "credit": "1"}])
    assert len(caught.value.problems) == 2
    assert caught.value.problems[0].startswith("rule 1") and caught.value.problems[1].startswith("rule 2")


def test_toml_and_json_files() -> None:
    toml = '[[rule]]\ntransaction = "charge"\ndebit = "1200"\ncredit = "4000"\ncost_centre = "C"\nlegal_entity = "L"\n'
    assert isinstance(parse(toml, ".toml").resolve("charge", Dimensions()), GlTarget)
    json_text = '{"rules": [{"transaction": "charge", "debit": "1", "credit": "2", "cost_centre": "C", "legal_entity": "L"}]}'
    assert isinstance(parse(json_text, ".json").resolve("charge", Dimensions()), GlTarget)


@pytest.mark.parametrize(
    ("text", "suffix", "expected"),
    [
        ("[[rule]\n", ".toml", "not valid TOML"),
        ("{", ".json", "not valid JSON"),
        ("rules = []", ".toml", "no rules"),
        ('accounts = 1\n[[rule]]\ndebit = "1"', ".toml", "unknown top-level key(s): accounts"),
        ('{"rules": [1]}', ".json", "rule 1: must be a table"),
    ],
)
def test_unreadable_files_get_a_clear_error(text: str, suffix: str, expected: str) -> None:
    with pytest.raises(GlMappingError) as caught:
        parse(text, suffix)
    assert expected in str(caught.value)
