"""Posting the claim payments (CLP loops, X12 835 loop 2100) of one remittance set-based: a *run* of
claim payments that cannot affect one another is read, decided and written together.

Two claim payments of one 835 affect one another only through the claims of one visit (the same patient
control number, CLP01) or through the patient's credit, which one payment's posting may apply to
another visit of the patient's. ``runs`` cuts the 835's claim payments, in their order, into contiguous
runs with distinct control numbers and no patient credit to apply; a claim payment whose patient (or
visit) holds credit is a run of its own. Each run is posted as the claim payments would be one after
the other: one read of the claims, payment rows written together (their ids come back), postings and
claim totals together, then the patient figures and claim totals of the settled claims in one read
each, with the claims' saves and timeline rows written together. Runs go in the 835's order, each
reading what the runs before it wrote.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from revcycle.domain.claims import ClaimStatus, Transition
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.money import ZERO
from revcycle.domain.posting import (
    ClaimBalance,
    LineMatch,
    MatchMethod,
    PostingTotals,
    allowed_amount,
    expected_allowed,
    is_denied_line,
    line_totals,
    match_lines,
    payment_totals,
    service_day,
    underpayment,
)
from revcycle.domain.remittances import ClaimPayment, ClaimPaymentStatus, Remittance
from revcycle.service_layer.handlers.claims import transition
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.handlers.patient_payments import apply_patient_credit, patient_paid
from revcycle.service_layer.handlers.posting_findings import ReasonCodes, denial, underpaid, unmatched_lines
from revcycle.service_layer.ports import (
    ClaimEventRecord,
    HeldCredit,
    LinePosting,
    ManualEntry,
    MessageContext,
    NewClaimPayment,
    NewPosting,
    StoredClaim,
    UnitOfWork,
)

S = ClaimStatus

_RANK = {
    ClaimPaymentStatus.PRIMARY: 1,
    ClaimPaymentStatus.PRIMARY_FORWARDED: 1,
    ClaimPaymentStatus.SECONDARY: 2,
    ClaimPaymentStatus.SECONDARY_FORWARDED: 2,
    ClaimPaymentStatus.TERTIARY: 3,
    ClaimPaymentStatus.TERTIARY_FORWARDED: 3,
}
ADJUDICATED = frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED, S.POSTED, S.CLOSED})
ENDED = frozenset({S.REPLACED, S.VOID})


def payment_key(remittance: Remittance, payment: ClaimPayment) -> str:
    """What makes a claim payment the same payment again: its check / trace, claim, status, amounts, the
    payer's claim number, and a digest of its service lines (a check may pay two claims that share all
    the rest but their dates of service)."""
    lines = repr(
        [
            (s.procedure_code, s.modifiers, s.service_date, s.charge, s.paid, s.line_control_number)
            for s in payment.services
        ]
        + [payment.service_date]
    )
    return "|".join(
        (
            remittance.trace_number,
            payment.patient_control_number,
            payment.status.value,
            str(payment.charge),
            str(payment.paid),
            payment.payer_claim_control_number or "",
            hashlib.sha256(lines.encode()).hexdigest()[:16],
        )
    )


class Policy(Protocol):
    """What posting needs from settings (``remittances.PostingPolicy``)."""

    @property
    def underpayment_tolerance(self) -> Decimal: ...
    @property
    def codes(self) -> ReasonCodes | None: ...


def choose_claim(
    candidates: Sequence[StoredClaim], payment: ClaimPayment, remittance: Remittance
) -> StoredClaim | None:
    """The claim a CLP pays among the claims of its patient control number (CLP01 = CLM01), narrowed by
    payer, by rank (CLP02 1/2/3), and by the payer's claim control number (CLP07) when we know it. A
    reversal (CLP02 = 22) carries no rank: it takes back what that payer adjudicated, possibly on a
    claim that a corrected claim (frequency 7) has replaced since."""
    if payment.is_reversal:
        live = [s for s in candidates if s.claim.status in ADJUDICATED | {S.REVERSED}]
        live = live or [s for s in candidates if s.claim.status in ENDED]
        live = live or [s for s in candidates if s.claim.status not in ENDED]
    else:
        live = [s for s in candidates if s.claim.status not in ENDED]
    if not live:
        return None
    for narrow in (
        lambda s: remittance.payer_id is not None and s.claim.payer_id == remittance.payer_id,
        lambda s: not payment.is_reversal and _RANK.get(payment.status) == s.claim.payer_rank,
        lambda s: (
            payment.payer_claim_control_number is not None
            and s.claim.payer_claim_control_number == payment.payer_claim_control_number
        ),
        lambda s: payment.is_reversal and s.claim.status in ADJUDICATED,
    ):
        chosen = [s for s in live if narrow(s)]
        if chosen:
            live = chosen
    return live[-1]


# -- cutting an 835 into runs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """Claim payments posted together; ``credit``: a single claim payment whose patient or visit holds
    credit (applied after its posting, as a billing office applies a copay collected at the desk)."""

    payments: tuple[ClaimPayment, ...]
    credit: bool = False


def _holds_credit(credits: Sequence[HeldCredit], keys: set[str], pcn: str) -> bool:
    return any(
        c.claim_reference == pcn or (c.patient_key is not None and c.patient_key in keys) for c in credits
    )


def runs(
    payments: Sequence[ClaimPayment],
    claims: Mapping[str, Sequence[StoredClaim]],
    credits: Sequence[HeldCredit],
) -> list[Run]:
    """The claim payments in order, cut where a control number repeats within the current run, and
    around each one whose visit (or any of its claims' patients) holds credit. ``claims`` are the
    claims of each control number, ``credits`` the patient payments not wholly applied that name
    these visits or belong to these claims' patients. Credit only shrinks while an 835 posts, so a claim
    payment that finds none here has none to apply when its turn comes."""
    found: list[Run] = []
    current: list[ClaimPayment] = []
    seen: set[str] = set()
    for payment in payments:
        pcn = payment.patient_control_number
        keys = {s.claim.patient_key for s in claims.get(pcn, ()) if s.claim.patient_key is not None}
        credit = bool(credits) and _holds_credit(credits, keys, pcn)
        if current and (credit or pcn in seen):
            found.append(Run(tuple(current)))
            current, seen = [], set()
        if credit:
            found.append(Run((payment,), credit=True))
            continue
        current.append(payment)
        seen.add(pcn)
    if current:
        found.append(Run(tuple(current)))
    return found


# -- one run -------------------------------------------------------------------------------------------


class ClaimWrites:
    """The claim saves and timeline rows of a run, written together by ``flush`` (a claim saved twice
    is written once, as it stands; timeline rows keep their order)."""

    def __init__(self, uow: UnitOfWork, ctx: MessageContext) -> None:
        self.uow, self.ctx = uow, ctx
        self._saved: dict[int, StoredClaim] = {}
        self._events: list[ClaimEventRecord] = []

    def save(self, stored: StoredClaim) -> None:
        self._saved[stored.id] = stored

    def record(
        self,
        claim_id: int,
        kind: str,
        *,
        step: Transition | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._events.append(ClaimEventRecord(claim_id, kind, step, detail))

    def move(self, stored: StoredClaim, target: ClaimStatus, why: str) -> bool:
        """``handlers.claims.move``, its save and timeline row kept for ``flush``."""
        step = transition(self.uow, self.ctx, stored, target, why)
        if step is None:
            return False
        self.save(stored)
        self.record(stored.id, "transition", step=step, detail={"event": why})
        return True

    def flush(self) -> None:
        if self._saved:
            self.uow.claims.save_many(list(self._saved.values()), self.ctx)
        if self._events:
            self.uow.claims.record_many(self._events, self.ctx)
        self._saved, self._events = {}, []


@dataclass(slots=True)
class _Item:
    payment: ClaimPayment
    key: str
    duplicate: bool
    stored: StoredClaim | None = None
    payment_id: int = 0
    settle: bool = False  # moved to posted: its balance decides whether it closes


@dataclass(slots=True)
class RunContext:
    """What every run of one remittance shares."""

    uow: UnitOfWork
    ctx: MessageContext
    remittance: Remittance
    source: str
    policy: Policy
    entry: ManualEntry | None
    known_keys: set[str]  # payment keys already recorded (in the store, or earlier in this 835)
    keys: Mapping[int, str]  # id(claim payment) -> its payment key
    postings: list[NewPosting] = field(default_factory=list)
    applied: list[tuple[int, ClaimPayment]] = field(default_factory=list)


def post_run(run: Run, claims: Mapping[str, Sequence[StoredClaim]], rc: RunContext) -> None:
    """Post one run's claim payments (``claims``: the claims of their control numbers, as stored)."""
    uow, ctx, remittance = rc.uow, rc.ctx, rc.remittance
    items: list[_Item] = []
    for payment in run.payments:
        key = rc.keys[id(payment)]
        if key in rc.known_keys:
            items.append(_Item(payment, key, duplicate=True))
            continue
        rc.known_keys.add(key)
        stored = choose_claim(claims.get(payment.patient_control_number, ()), payment, remittance)
        items.append(_Item(payment, key, duplicate=False, stored=stored))
    fresh = [i for i in items if not i.duplicate]
    new = [NewClaimPayment(i.payment, i.stored.id if i.stored else None, i.key) for i in fresh]
    for item, payment_id in zip(fresh, uow.payments.add_many(new, remittance, rc.source, ctx), strict=True):
        item.payment_id = payment_id
    writes = ClaimWrites(uow, ctx)
    for item in items:
        if item.duplicate:
            _duplicate(rc, item.payment)
        else:
            _post(rc, writes, item)
    uow.postings.add_many(rc.postings, ctx)
    uow.claims.apply_payments(rc.applied)
    rc.postings, rc.applied = [], []
    writes.flush()
    settling = [i.stored for i in items if i.settle and i.stored is not None]
    if not settling:
        return
    if run.credit:
        for stored in settling:
            apply_patient_credit(uow, ctx, stored)
    paid = patient_paid(
        uow, {s.claim.patient_control_number: claims[s.claim.patient_control_number] for s in settling}
    )
    totals = uow.postings.claim_totals_many([s.id for s in settling])
    for stored in settling:
        pcn = stored.claim.patient_control_number
        _close(
            writes, stored, totals.get(stored.id, PostingTotals()), paid.get(pcn, ZERO), claims.get(pcn, ())
        )
    writes.flush()


def _duplicate(rc: RunContext, payment: ClaimPayment) -> None:
    trace = rc.remittance.trace_number
    raise_finding(
        rc.uow,
        rc.ctx,
        FindingType.DUPLICATE_REMITTANCE,
        Severity.HIGH,
        "remittance",
        trace,
        f"claim payment under trace {trace} received again; not applied twice",
        key_suffix=f"{payment.patient_control_number}:{rc.ctx.correlation_id}",
    )


def _post(rc: RunContext, writes: ClaimWrites, item: _Item) -> None:
    """One claim payment, up to its move to posted (its payment row is written)."""
    uow, ctx, remittance, payment, payment_id = rc.uow, rc.ctx, rc.remittance, item.payment, item.payment_id
    if payment.balance_difference != ZERO:
        raise_finding(
            uow,
            ctx,
            FindingType.REMITTANCE_UNBALANCED,
            Severity.MEDIUM,
            "payment",
            payment_id,
            f"claim payment {payment_id}: charge - adjustments - paid = {payment.balance_difference}",
        )
    outcome = payment.outcome()
    totals = payment_totals(payment, denied_claim=outcome is S.DENIED)
    stored = item.stored
    if stored is None:
        lines = tuple(
            LinePosting(LineMatch(s, None, MatchMethod.UNMATCHED), line_totals(s), allowed_amount(s))
            for s in payment.services
        )
        rc.postings.append(NewPosting(payment_id, None, totals, lines))
        raise_finding(
            uow,
            ctx,
            FindingType.UNMATCHED_REMITTANCE,
            Severity.MEDIUM,
            "payment",
            payment_id,
            f"claim payment {payment_id} (trace {remittance.trace_number}) matches no claim",
        )
        return
    if payment.payer_claim_control_number and not stored.claim.payer_claim_control_number:
        stored.claim.payer_claim_control_number = payment.payer_claim_control_number
        writes.save(stored)
    lines = _post_lines(uow, stored, payment, remittance, rc.policy)
    rc.postings.append(NewPosting(payment_id, stored.id, totals, lines))
    rc.applied.append((stored.id, payment))
    writes.record(stored.id, "remittance", detail=_detail(rc, payment_id, payment, totals, lines))
    unmatched_lines(uow, ctx, stored, payment_id, lines)
    if payment.is_reversal:
        _reverse(writes, stored, payment)
        return
    if stored.claim.status in ENDED:
        writes.record(stored.id, "payment_on_ended_claim", detail={"status": stored.claim.status.value})
        return
    if not writes.move(stored, outcome, f"835 CLP02={payment.status.value}"):
        return
    if outcome is S.DENIED or any(is_denied_line(s) for s in payment.services):
        denial(uow, ctx, stored, payment, remittance, rc.policy.codes, whole=outcome is S.DENIED)
    for posted in lines:
        if posted.underpayment is not None:
            underpaid(uow, ctx, stored, remittance, posted)
    if outcome is not S.DENIED:
        item.settle = writes.move(stored, S.POSTED, "payment posted")


def _detail(
    rc: RunContext,
    payment_id: int,
    payment: ClaimPayment,
    totals: PostingTotals,
    lines: tuple[LinePosting, ...],
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "payment_id": payment_id,
        "trace": rc.remittance.trace_number,
        "status": payment.status.value,
        "paid": str(payment.paid),
        "contractual": str(totals.contractual),
        "patient_responsibility": str(totals.patient_responsibility),
        "denied": str(totals.denied),
        "source": rc.source,
        "lines": {m.value: n for m in MatchMethod if (n := sum(p.match.method is m for p in lines))},
    }
    entry = rc.entry
    if entry is not None:
        detail |= {
            "entered_by": entry.entered_by,
            "entered_at": entry.entered_at.isoformat(),
            "entry_source": entry.source,
        }
    return detail


def _post_lines(
    uow: UnitOfWork, stored: StoredClaim, payment: ClaimPayment, remittance: Remittance, policy: Policy
) -> tuple[LinePosting, ...]:
    claim = stored.claim
    matches = match_lines(claim.lines, payment.services)
    payer_id = claim.payer_id or remittance.payer_id
    judge = payer_id is not None and claim.payer_rank == 1 and not payment.is_reversal
    posted: list[LinePosting] = []
    for match in matches:
        expected = found = None
        if judge and match.line is not None and payer_id is not None:
            contract = uow.contracts.for_payer(payer_id, service_day(match, claim.service_date))
            if contract is not None:
                expected = expected_allowed(contract, match.line, match.service)
                found = underpayment(contract, match, policy.underpayment_tolerance)
        posted.append(
            LinePosting(match, line_totals(match.service), allowed_amount(match.service), expected, found)
        )
    return tuple(posted)


def _reverse(writes: ClaimWrites, stored: StoredClaim, payment: ClaimPayment) -> None:
    """CLP02 = 22: the claim goes back to reversed (awaiting the payer's new adjudication); a claim that a
    corrected claim already replaced keeps its state, the money nets out all the same."""
    if stored.claim.status in ENDED or stored.claim.status is S.REVERSED:
        writes.record(stored.id, "reversal", detail={"paid": str(payment.paid)})
        return
    writes.move(stored, S.REVERSED, "835 CLP02=22 reversal")


def _close(
    writes: ClaimWrites,
    stored: StoredClaim,
    posted: PostingTotals,
    paid_by_patient: Decimal,
    visit: Sequence[StoredClaim],
) -> None:
    """A posted claim closes when nothing is owed by payers or the patient (beyond zero: a credit). A
    posted secondary (COB) claim closes the lower-rank claims of its visit (``visit``: the claims with
    its control number, as read for the run), whose patient share it took over."""
    balance = ClaimBalance(stored.claim.total_charge, posted, paid_by_patient)
    if balance.insurance_balance == ZERO and balance.patient_balance <= ZERO:
        writes.move(stored, S.CLOSED, "nothing owed by payers or the patient")
    if stored.claim.payer_rank > 1:
        for earlier in visit:
            if earlier.claim.payer_rank < stored.claim.payer_rank and earlier.claim.status is S.POSTED:
                writes.move(earlier, S.CLOSED, f"patient share taken over by secondary claim {stored.id}")
