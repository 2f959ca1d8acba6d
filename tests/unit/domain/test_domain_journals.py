"""General-ledger journal entries: balanced by construction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revcycle.domain.errors import DomainError, UnbalancedJournal
from revcycle.domain.journals import JournalEntry, JournalKind, JournalLine

D = Decimal
DAY = date(2024, 5, 31)


def entry(*lines: JournalLine, kind: JournalKind = JournalKind.PAYER_PAYMENT) -> JournalEntry:
    return JournalEntry(key="k-1", kind=kind, posting_date=DAY, period="2024-05", lines=tuple(lines))


def test_balanced_two_line_entry() -> None:
    journal = entry(JournalLine("1010", debit=D("64.00")), JournalLine("1200", credit=D("64.00")))
    assert journal.debits == D("64.00")
    assert journal.credits == D("64.00")
    assert journal.currency == "USD"


def test_balanced_multi_line_entry() -> None:
    # Payment 64 and contractual 20 against a 100 receivable, 16 moved to patient responsibility.
    journal = entry(
        JournalLine("1010", debit=D("64.00"), cost_centre="CC1"),
        JournalLine("4900", debit=D("20.00"), dimension="commercial"),
        JournalLine("1210", debit=D("16.00")),
        JournalLine("1200", credit=D("100.00"), legal_entity="LE1"),
    )
    assert journal.debits == journal.credits == D("100.00")
    assert len(journal.lines) == 4


def test_equal_amounts_with_different_scale_balance() -> None:
    journal = entry(JournalLine("1010", debit=D("64")), JournalLine("1200", credit=D("64.00")))
    assert str(journal.debits) == "64.00"


def test_unbalanced_entry_raises() -> None:
    with pytest.raises(UnbalancedJournal) as info:
        entry(JournalLine("1010", debit=D("64.00")), JournalLine("1200", credit=D("63.99")))
    assert isinstance(info.value, DomainError)
    assert "64.00" in str(info.value)
    assert "63.99" in str(info.value)


def test_two_debits_do_not_balance() -> None:
    with pytest.raises(UnbalancedJournal):
        entry(JournalLine("1010", debit=D("10")), JournalLine("1200", debit=D("10")))


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_lines_raises(count: int) -> None:
    lines = [JournalLine("1010", debit=D("10"))][:count]
    with pytest.raises(UnbalancedJournal):
        entry(*lines)


def test_line_with_both_sides_raises() -> None:
    with pytest.raises(UnbalancedJournal):
        JournalLine("1010", debit=D("10"), credit=D("10"))


def test_line_with_neither_side_raises() -> None:
    with pytest.raises(UnbalancedJournal):
        JournalLine("1010")
    with pytest.raises(UnbalancedJournal):
        JournalLine("1010", debit=D("0.00"), credit=D("0"))


@pytest.mark.parametrize(("debit", "credit"), [("-10", "0"), ("0", "-10"), ("-10", "10"), ("10", "-10")])
def test_negative_amounts_raise(debit: str, credit: str) -> None:
    with pytest.raises(UnbalancedJournal):
        JournalLine("1010", debit=D(debit), credit=D(credit))


def test_line_with_one_positive_side() -> None:
    assert JournalLine("1010", debit=D("0.01")).credit == D("0.00")
    assert JournalLine("1200", credit=D("0.01")).debit == D("0.00")


def test_entry_whose_exact_sides_differ_does_not_construct() -> None:
    with pytest.raises(DomainError):
        entry(JournalLine("1010", debit=D("100.004")), JournalLine("1200", credit=D("100.00")))


def test_entry_totals_are_positive() -> None:
    with pytest.raises(DomainError):
        entry(JournalLine("1010", debit=D("0.001")), JournalLine("1200", credit=D("0.001")))
