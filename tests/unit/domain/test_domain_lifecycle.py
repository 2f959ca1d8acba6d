"""The claim state machine along the paths posting takes: adjudicated -> posted -> closed, reversal and
re-adjudication, corrected claims after payment, voids, and the payer's latest decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from revcycle.domain.claims import Claim, ClaimKind, ClaimStatus
from revcycle.domain.errors import IllegalTransition

S = ClaimStatus
T0 = datetime(2026, 3, 2, tzinfo=UTC)


def walk(*targets: ClaimStatus) -> Claim:
    claim = Claim("PCN-1", ClaimKind.PROFESSIONAL, Decimal("100.00"))
    for n, target in enumerate(targets):
        claim.move_to(target, T0 + timedelta(minutes=n), correlation_id=f"c{n}")
    return claim


def test_care_to_cash_path() -> None:
    claim = walk(S.SUBMITTED, S.ACKNOWLEDGED, S.ACCEPTED, S.PARTIALLY_PAID, S.POSTED, S.CLOSED)
    assert claim.status is S.CLOSED and claim.adjudication is S.PARTIALLY_PAID
    assert [t.correlation_id for t in claim.history] == ["c0", "c1", "c2", "c3", "c4", "c5"]


def test_adjudication_is_none_before_any_835_and_follows_reversals() -> None:
    assert walk(S.SUBMITTED, S.ACCEPTED).adjudication is None
    reversed_ = walk(S.SUBMITTED, S.PAID, S.POSTED, S.REVERSED)
    assert reversed_.adjudication is S.REVERSED
    reversed_.move_to(S.DENIED, T0)
    assert reversed_.adjudication is S.DENIED


@pytest.mark.parametrize("settled", [S.POSTED, S.CLOSED])
def test_a_corrected_claim_may_replace_a_settled_one(settled: ClaimStatus) -> None:
    path = [S.SUBMITTED, S.PAID, S.POSTED] + ([S.CLOSED] if settled is S.CLOSED else [])
    claim = walk(*path)
    claim.move_to(S.REPLACED, T0)
    assert claim.status is S.REPLACED


@pytest.mark.parametrize("ended", [S.REPLACED, S.VOID])
def test_replaced_and_void_claims_are_final(ended: ClaimStatus) -> None:
    claim = walk(S.SUBMITTED, ended)
    for target in S:
        assert not claim.can_move_to(target)


def test_a_paid_claim_cannot_be_voided_only_reversed_by_the_payer() -> None:
    claim = walk(S.SUBMITTED, S.PAID, S.POSTED)
    with pytest.raises(IllegalTransition, match="posted to void"):
        claim.move_to(S.VOID, T0)
    claim.move_to(S.REVERSED, T0)
    claim.move_to(S.VOID, T0)  # after the reversal nothing is paid any more
    assert claim.status is S.VOID


def test_a_denied_claim_may_be_resubmitted_or_paid_on_appeal() -> None:
    assert walk(S.SUBMITTED, S.DENIED).can_move_to(S.SUBMITTED)
    assert walk(S.SUBMITTED, S.DENIED).can_move_to(S.PAID)
    assert not walk(S.SUBMITTED, S.DENIED).can_move_to(S.DRAFT)
