"""The claim lifecycle state machine and the claim's derived amounts and dates."""

from __future__ import annotations

import itertools
from collections import deque
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from revcycle.domain.claims import TRANSITIONS, Claim, ClaimKind, ClaimLine, ClaimStatus, Transition
from revcycle.domain.errors import DomainError, IllegalTransition

S = ClaimStatus
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
TERMINAL = {S.REPLACED, S.VOID}


def make_claim(
    status: ClaimStatus = S.DRAFT,
    lines: tuple[ClaimLine, ...] = (),
    total: str = "0.00",
    statement_from: date | None = None,
) -> Claim:
    return Claim(
        patient_control_number="PCN-1",
        kind=ClaimKind.PROFESSIONAL,
        total_charge=Decimal(total),
        lines=lines,
        status=status,
        statement_from=statement_from,
    )


def walk(claim: Claim, path: list[ClaimStatus]) -> list[Transition]:
    steps = []
    for index, target in enumerate(path):
        steps.append(claim.move_to(target, T0 + timedelta(minutes=index), correlation_id=f"corr-{index}"))
    return steps


def test_transition_table_covers_every_status_and_only_statuses() -> None:
    assert set(TRANSITIONS) == set(ClaimStatus)
    for targets in TRANSITIONS.values():
        assert targets <= set(ClaimStatus)


def test_normal_path_to_closed() -> None:
    claim = make_claim()
    path = [S.SCRUBBED, S.SUBMITTED, S.ACKNOWLEDGED, S.ACCEPTED, S.PARTIALLY_PAID, S.POSTED, S.CLOSED]
    walk(claim, path)
    assert claim.status is S.CLOSED
    assert [t.target for t in claim.history] == path
    assert [t.source for t in claim.history] == [S.DRAFT, *path[:-1]]


def test_reversal_reopens_a_paid_claim_and_it_can_be_paid_again() -> None:
    claim = make_claim(S.PAID)
    walk(claim, [S.REVERSED, S.PAID])
    assert claim.status is S.PAID
    assert [(t.source, t.target) for t in claim.history] == [(S.PAID, S.REVERSED), (S.REVERSED, S.PAID)]


@pytest.mark.parametrize("source", [S.PAID, S.PARTIALLY_PAID, S.DENIED, S.POSTED, S.CLOSED])
def test_adjudicated_posted_and_closed_claims_can_be_reversed(source: ClaimStatus) -> None:
    assert make_claim(source).can_move_to(S.REVERSED)


@pytest.mark.parametrize("source", [S.DRAFT, S.SCRUBBED, S.SUBMITTED, S.ACKNOWLEDGED, S.ACCEPTED, S.REJECTED])
def test_unadjudicated_claims_cannot_be_reversed(source: ClaimStatus) -> None:
    with pytest.raises(IllegalTransition):
        make_claim(source).move_to(S.REVERSED, T0)


def test_clearinghouse_may_skip_the_999_and_payer_may_skip_the_277ca() -> None:
    skip_999 = make_claim(S.SUBMITTED)
    walk(skip_999, [S.ACCEPTED, S.PAID])
    assert skip_999.status is S.PAID
    skip_both = make_claim(S.SUBMITTED)
    walk(skip_both, [S.DENIED])
    assert skip_both.status is S.DENIED


def test_rejected_claim_can_be_corrected_and_resubmitted() -> None:
    claim = make_claim()
    walk(claim, [S.SUBMITTED, S.REJECTED, S.DRAFT, S.SCRUBBED, S.SUBMITTED])
    assert claim.status is S.SUBMITTED
    assert len(claim.history) == 5


@pytest.mark.parametrize("end", sorted(TERMINAL))
def test_replacement_and_void_are_terminal(end: ClaimStatus) -> None:
    assert TRANSITIONS[end] == frozenset()
    claim = make_claim(end)
    for target in ClaimStatus:
        assert not claim.can_move_to(target)
        with pytest.raises(IllegalTransition):
            claim.move_to(target, T0)
    assert claim.status is end
    assert claim.history == []


def test_a_submitted_claim_can_be_replaced_and_a_draft_can_be_voided() -> None:
    submitted = make_claim(S.SUBMITTED)
    submitted.move_to(S.REPLACED, T0)
    assert submitted.status is S.REPLACED
    draft = make_claim()
    draft.move_to(S.VOID, T0)
    assert draft.status is S.VOID


def test_a_paid_claim_must_be_reversed_before_it_is_voided() -> None:
    claim = make_claim(S.PAID)
    with pytest.raises(IllegalTransition):
        claim.move_to(S.VOID, T0)
    walk(claim, [S.REVERSED, S.VOID])
    assert claim.status is S.VOID


ALL_PAIRS = list(itertools.product(ClaimStatus, repeat=2))


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_move_to_succeeds_iff_the_pair_is_in_the_table(source: ClaimStatus, target: ClaimStatus) -> None:
    claim = make_claim(source)
    allowed = target in TRANSITIONS[source]
    assert claim.can_move_to(target) is allowed
    if allowed:
        step = claim.move_to(target, T0, correlation_id="c-1", reason="r")
        assert claim.status is target
        assert claim.history == [step]
        assert step == Transition(source, target, T0, "c-1", "r")
    else:
        with pytest.raises(IllegalTransition) as info:
            claim.move_to(target, T0, correlation_id="c-1")
        error = info.value
        assert isinstance(error, DomainError)
        assert error.entity == "claim"
        assert error.current == source.value
        assert error.target == target.value
        message = str(error)
        assert source.value in message
        assert target.value in message
        assert message == f"claim cannot move from {source.value} to {target.value}"
        # A refused move changes nothing.
        assert claim.status is source
        assert claim.history == []


def test_spot_checks_of_forbidden_and_exact_moves() -> None:
    # Guards against an accidental widening of the lifecycle (e.g. DRAFT -> PAID).
    assert not make_claim(S.DRAFT).can_move_to(S.PAID)
    assert not make_claim(S.CLOSED).can_move_to(S.PAID)
    assert not make_claim(S.CLOSED).can_move_to(S.DRAFT)
    # A corrected claim may follow a closed one; a patient refund reopening the patient balance posts it.
    assert TRANSITIONS[S.CLOSED] == {S.REVERSED, S.REPLACED, S.POSTED}
    assert TRANSITIONS[S.DRAFT] == {S.SCRUBBED, S.SUBMITTED, S.VOID}


def test_every_live_state_can_still_reach_an_end_state() -> None:
    for start in ClaimStatus:
        if start in TERMINAL:
            continue
        seen = {start}
        queue = deque([start])
        while queue:
            for nxt in TRANSITIONS[queue.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        assert seen & {S.CLOSED, S.VOID, S.REPLACED}, start


def test_history_records_every_transition_with_time_and_correlation_id() -> None:
    claim = make_claim()
    first = claim.move_to(S.SUBMITTED, T0, correlation_id="msg-837")
    second = claim.move_to(S.ACKNOWLEDGED, T0 + timedelta(hours=1), correlation_id="msg-999", reason="999 A")
    third = claim.move_to(S.PAID, T0 + timedelta(days=20))
    assert claim.history == [first, second, third]
    assert first == Transition(S.DRAFT, S.SUBMITTED, T0, "msg-837", None)
    assert second.correlation_id == "msg-999"
    assert second.reason == "999 A"
    assert second.at == T0 + timedelta(hours=1)
    assert third.correlation_id is None
    # A failed move in between leaves the history untouched.
    with pytest.raises(IllegalTransition):
        claim.move_to(S.DRAFT, T0, correlation_id="bad")
    assert len(claim.history) == 3
    assert all(t.correlation_id != "bad" for t in claim.history)


def test_history_is_per_claim() -> None:
    a, b = make_claim(), make_claim()
    a.move_to(S.SUBMITTED, T0)
    assert b.history == []


# -- amounts and dates ---------------------------------------------------------------------------


def line(number: int, charge: str, service_date: date | None = None) -> ClaimLine:
    return ClaimLine(number, "99213", Decimal(charge), service_date=service_date)


def test_line_total_and_is_balanced() -> None:
    claim = make_claim(lines=(line(1, "100.00"), line(2, "50.25"), line(3, "0.75")), total="151.00")
    assert claim.line_total == Decimal("151.00")
    assert str(claim.line_total) == "151.00"
    assert claim.is_balanced


def test_unbalanced_claim() -> None:
    claim = make_claim(lines=(line(1, "100.00"), line(2, "50.00")), total="150.01")
    assert claim.line_total == Decimal("150.00")
    assert not claim.is_balanced


def test_balance_ignores_trailing_zeros() -> None:
    assert make_claim(lines=(line(1, "100"),), total="100.00").is_balanced
    assert make_claim(lines=(line(1, "100.00"),), total="100").is_balanced


def test_a_claim_without_lines_is_balanced_and_totals_zero() -> None:
    claim = make_claim(total="999.99")
    assert claim.line_total == Decimal("0.00")
    assert claim.is_balanced


def test_service_date_is_the_earliest_line_date() -> None:
    claim = make_claim(
        lines=(line(1, "1", date(2024, 3, 5)), line(2, "1", None), line(3, "1", date(2024, 3, 2))),
        statement_from=date(2024, 1, 1),
    )
    assert claim.service_date == date(2024, 3, 2)


def test_service_date_falls_back_to_the_statement_start() -> None:
    assert make_claim(lines=(line(1, "1"),), statement_from=date(2024, 2, 1)).service_date == date(2024, 2, 1)
    assert make_claim(statement_from=date(2024, 2, 1)).service_date == date(2024, 2, 1)
    assert make_claim().service_date is None


def test_defaults() -> None:
    claim = make_claim()
    assert claim.status is S.DRAFT
    assert claim.payer_rank == 1
    assert claim.history == []
