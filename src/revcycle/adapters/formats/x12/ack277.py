"""277CA claim acknowledgment (005010X214) parser; also reads 277 claim status responses (005010X212).

Hierarchy (HL03): 20 information source (2000A/2100A payer), 21 information receiver (2000B/2100B),
19 billing provider (2000C/2100C), PT patient (2000D/2100D, X214) or 22/23 subscriber/dependent (X212).
Each level may carry TRN, STC, QTY and AMT (loops 2200A-C). At the claim level (2200D) TRN02 is the patient
control number from CLM01, REF*1K the payer claim control number, REF*D9 the clearinghouse trace number,
STC the claim's statuses and DTP*472 the service period; SVC starts a service line status (2220D).

STC01 (C043): category code, status code, entity identifier; STC10 and STC11 carry further statuses.
Category A0/A1/A2/A5 acknowledge or accept a claim, A3/A4/A6/A7/A8 reject it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from revcycle.adapters.formats.x12.elements import SyntaxLog, dispatch, el, parse_date, parse_period
from revcycle.adapters.formats.x12.envelope import TransactionSet
from revcycle.adapters.formats.x12.models837 import Party
from revcycle.adapters.formats.x12.parties import party_from_nm1
from revcycle.adapters.formats.x12.reader import Segment

ACCEPTED_CATEGORIES = frozenset({"A0", "A1", "A2", "A5"})
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})
LEVELS = MappingProxyType(
    {"20": "information_source", "21": "information_receiver", "19": "provider", "PT": "patient"}
)


@dataclass(slots=True)
class Status:
    """One STC status: category (C043-1), status code (C043-2), entity (C043-3), date, action, amount."""

    category: str
    code: str | None = None
    entity: str | None = None
    effective_date: date | None = None
    action: str | None = None
    amount: Decimal | None = None


@dataclass(slots=True)
class LevelStatus:
    """Loops 2000A-C/2200A-C: a hierarchical level's party, trace number, statuses, counts and amounts."""

    level: str
    party: Party | None = None
    trace_number: str | None = None
    statuses: list[Status] = field(default_factory=list)
    accepted_quantity: Decimal | None = None
    rejected_quantity: Decimal | None = None
    accepted_amount: Decimal | None = None
    rejected_amount: Decimal | None = None


@dataclass(slots=True)
class LineStatus:
    """Loop 2220D: SVC (procedure, charge), STC statuses, REF*FJ line item control number, DTP*472."""

    procedure_qualifier: str | None
    procedure_code: str | None
    charge: Decimal | None
    line_control_number: str | None = None
    statuses: list[Status] = field(default_factory=list)
    service_date: date | None = None


@dataclass(slots=True)
class ClaimStatus:
    """Loop 2200D: the acknowledgment of one claim."""

    patient_control_number: str
    payer_claim_control_number: str | None = None
    clearinghouse_trace: str | None = None
    statuses: list[Status] = field(default_factory=list)
    patient: Party | None = None
    provider: Party | None = None
    service_start: date | None = None
    service_end: date | None = None
    lines: list[LineStatus] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """True when a status accepts the claim (A0/A1/A2/A5) and none rejects it (A3/A4/A6/A7/A8)."""
        categories = {s.category for s in self.statuses}
        return bool(categories & ACCEPTED_CATEGORIES) and not categories & REJECTED_CATEGORIES

    @property
    def category_code(self) -> str | None:
        """The deciding category: the first rejecting one, else the first one."""
        rejecting = next((s for s in self.statuses if s.category in REJECTED_CATEGORIES), None)
        first = rejecting or (self.statuses[0] if self.statuses else None)
        return first.category if first else None

    @property
    def status_code(self) -> str | None:
        rejecting = next((s for s in self.statuses if s.category in REJECTED_CATEGORIES), None)
        first = rejecting or (self.statuses[0] if self.statuses else None)
        return first.code if first else None

    @property
    def total_charge(self) -> Decimal | None:
        """STC04 of the first status: the total claim charge the payer received."""
        return next((s.amount for s in self.statuses if s.amount is not None), None)


@dataclass(slots=True)
class ClaimStatusTransaction:
    """One 277 transaction set (X214 claim acknowledgment or X212 status response)."""

    control_number: str
    implementation: str
    is_claim_acknowledgment: bool
    levels: list[LevelStatus] = field(default_factory=list)
    claims: list[ClaimStatus] = field(default_factory=list)


class StatusParser:
    """Parse one 277 transaction set."""

    def __init__(self, ts: TransactionSet) -> None:
        self.ts = ts
        self.comp = ts.delimiters.component
        self.log = SyntaxLog()
        implementation = ts.implementation or ts.group.version
        self.result = ClaimStatusTransaction(ts.control_number, implementation, "X214" in implementation)
        self.level: LevelStatus | None = None
        self.hl_code = ""
        self.patient: Party | None = None
        self.provider: Party | None = None
        self.claim: ClaimStatus | None = None
        self.line: LineStatus | None = None

    def parse(self) -> ClaimStatusTransaction:
        handlers = {tag: getattr(self, "_" + tag.lower()) for tag in _HANDLED}
        dispatch(self.ts.raw_segments, self.ts.delimiters.element, handlers)
        for error in self.log.finish():
            self.ts.add_segment_error(error)
        return self.result

    def _claim_level(self) -> bool:
        return self.hl_code in ("PT", "22", "23")

    def _hl(self, seg: Segment, pos: int) -> None:
        self.hl_code = seg[3]
        self.claim = self.line = None
        if self._claim_level():
            self.level, self.patient = None, None
        else:
            self.level = LevelStatus(LEVELS.get(self.hl_code, self.hl_code))
            self.result.levels.append(self.level)

    def _nm1(self, seg: Segment, pos: int) -> None:
        party = party_from_nm1(seg)
        if self.level is not None:
            self.level.party = party
            if self.hl_code == "19":
                self.provider = party
        elif self._claim_level() and (self.patient is None or party.entity_code == "QC"):
            self.patient = party

    def _trn(self, seg: Segment, pos: int) -> None:
        if self._claim_level():
            self.line = None
            self.claim = ClaimStatus(seg[2], patient=self.patient, provider=self.provider)
            self.result.claims.append(self.claim)
        elif self.level is not None:
            self.level.trace_number = seg[2] or None

    def _stc(self, seg: Segment, pos: int) -> None:
        statuses = [self._status(seg, pos, seg[1])]
        statuses.extend(self._status(seg, pos, el(seg, i)) for i in (10, 11) if el(seg, i))
        target = self.line or self.claim or self.level
        if target is not None:
            target.statuses.extend(statuses)

    def _status(self, seg: Segment, pos: int, composite: str) -> Status:
        parts = composite.split(self.comp)
        category = parts[0] if parts and parts[0] else self.log.required(pos, seg, 1, "2200")
        return Status(
            category=category,
            code=(parts[1] or None) if len(parts) > 1 else None,
            entity=(parts[2] or None) if len(parts) > 2 else None,
            effective_date=parse_date(seg[2]),
            action=(seg[3] or None),
            amount=self.log.money(pos, seg, 4, required=False, loop_id="2200"),
        )

    def _ref(self, seg: Segment, pos: int) -> None:
        qualifier, value = seg[1], (seg[2] or None)
        if self.line is not None and qualifier == "FJ":
            self.line.line_control_number = value
        elif self.claim is not None and qualifier == "1K":
            self.claim.payer_claim_control_number = value
        elif self.claim is not None and qualifier == "D9":
            self.claim.clearinghouse_trace = value

    def _qty(self, seg: Segment, pos: int) -> None:
        """QTY*90 accepted quantity, QTY*AA rejected quantity (2200B/C)."""
        if self.level is not None:
            value = self.log.money(pos, seg, 2, required=True, loop_id="2200")
            if seg[1] in ("90", "QA"):
                self.level.accepted_quantity = value
            elif seg[1] in ("AA", "QC"):
                self.level.rejected_quantity = value

    def _amt(self, seg: Segment, pos: int) -> None:
        """AMT*YU accepted amount, AMT*YY rejected amount (2200B/C)."""
        if self.level is not None:
            value = self.log.money(pos, seg, 2, required=True, loop_id="2200")
            if seg[1] == "YU":
                self.level.accepted_amount = value
            elif seg[1] == "YY":
                self.level.rejected_amount = value

    def _dtp(self, seg: Segment, pos: int) -> None:
        if seg[1] != "472":
            return
        period = parse_period(seg[2], seg[3])
        if period is None:
            return
        if self.line is not None:
            self.line.service_date = period[0]
        elif self.claim is not None:
            self.claim.service_start, self.claim.service_end = period

    def _svc(self, seg: Segment, pos: int) -> None:
        if self.claim is None:
            return
        parts = seg[1].split(self.comp)
        self.line = LineStatus(
            procedure_qualifier=parts[0] or None,
            procedure_code=(parts[1] or None) if len(parts) > 1 else None,
            charge=self.log.money(pos, seg, 2, required=False, loop_id="2220"),
        )
        self.claim.lines.append(self.line)


_HANDLED = frozenset({"HL", "NM1", "TRN", "STC", "REF", "QTY", "AMT", "DTP", "SVC"})


def parse_claim_status(ts: TransactionSet) -> ClaimStatusTransaction:
    """Parse a 277 transaction set (ST01 = 277)."""
    return StatusParser(ts).parse()
