"""Loop-aware 837P (005010X222A1) and 837I (005010X223A2) parser.

One pass over the transaction set's segments with a small state machine that knows which loop it is in:
HL (2000A billing provider / 2000B subscriber / 2000C patient), CLM (2300), SBR inside a claim (2320),
NM1 inside 2320 (2330x), LX (2400), LIN (2410), NM1 inside a line (2420x), SVD (2430). An NM1 is placed
by its entity code (NM101) and the loop: ``IL``/``PR`` are the subscriber and payer in 2010BA/BB but the
other subscriber and other payer in 2330A/B; ``82``, ``77``, ``DN``... are claim providers in 2310x, other
payer providers in 2330C-G and line providers in 2420x.

837P vs 837I: SV2 or CL1 segments mean institutional, SV1 professional; without service lines ST03 (then
GS08) decides. When the implementation reference disagrees with the content, the content wins and
``ClaimTransaction.detection_note`` says so (one TR3 sample sends an institutional claim as X222).

Balancing (loop 2300): CLM02 must equal the sum of SV102 (837P) / SV203 (837I); a difference is a
:class:`~.models837.BalancingIssue` on the claim, never an exception.
"""

from __future__ import annotations

from decimal import Decimal

from revcycle.adapters.formats.x12.claim837_checks import check_balance, detect_variant, normalise
from revcycle.adapters.formats.x12.claim837_segments import (
    build_claim,
    build_codes,
    build_svd,
    fill_sv1,
    fill_sv2,
)
from revcycle.adapters.formats.x12.elements import (
    INVALID_CODE,
    INVALID_DATE,
    SyntaxLog,
    dispatch,
    el,
    is_digits,
    parse_period,
)
from revcycle.adapters.formats.x12.envelope import TransactionSet
from revcycle.adapters.formats.x12.models837 import (
    Claim,
    ClaimTransaction,
    DateValue,
    DrugInfo,
    InstitutionalInfo,
    LineAdjudication,
    OtherSubscriber,
    Party,
    Patient,
    ServiceLine,
    Subscriber,
)
from revcycle.adapters.formats.x12.parties import (
    adjustments_from_cas,
    apply_n3,
    apply_n4,
    contact_from_per,
    party_from_nm1,
    reference,
)
from revcycle.adapters.formats.x12.reader import Segment


class _State:
    """Where the walk is and what is open."""

    def __init__(self) -> None:
        self.loop = "HEADER"
        self.party: Party | None = None
        self.billing: Party | None = None
        self.billing_prv: tuple[str | None, str | None] = (None, None)
        self.pay_to: Party | None = None
        self.subscriber: Subscriber | None = None
        self.patient: Patient | None = None
        self.claim: Claim | None = None
        self.other: OtherSubscriber | None = None
        self.line: ServiceLine | None = None
        self.adjudication: LineAdjudication | None = None
        self.seen: set[str] = set()


class ClaimParser:
    """Parse one 837 transaction set into a :class:`ClaimTransaction`; syntax problems go to ``log``."""

    def __init__(self, ts: TransactionSet) -> None:
        self.ts = ts
        self.comp = ts.delimiters.component
        self.log = SyntaxLog()
        self.component_note: str | None = None
        if ts.delimiters.ambiguous_component:
            self._infer_component()
        self.result = ClaimTransaction(
            variant="837P",
            implementation=ts.implementation or ts.group.version,
            control_number=ts.control_number,
        )
        self.s = _State()

    def _infer_component(self) -> None:
        """ISA11 = ISA16 leaves the component separator in doubt: CLM05 (facility code, qualifier,
        frequency) is always a three-part composite, so the separator it uses decides."""
        clm05 = next((el(s, 5) for s in self.ts.segments if s[0] == "CLM"), "")
        if clm05.count(self.comp) == 2:
            return
        candidates = {c for c in clm05 if not c.isalnum() and clm05.count(c) == 2}
        if len(candidates) == 1:
            self.comp = candidates.pop()
            self.component_note = "ISA16 equals ISA11; CLM05 shows the component separator actually used"

    def parse(self) -> ClaimTransaction:
        handlers = {
            "BHT": self._bht, "NM1": self._nm1, "N3": self._n3, "N4": self._n4, "PER": self._per,
            "REF": self._ref, "PRV": self._prv, "HL": self._hl, "SBR": self._sbr, "PAT": self._pat,
            "DMG": self._dmg, "CLM": self._clm, "DTP": self._dtp, "CL1": self._cl1, "AMT": self._amt,
            "HI": self._hi, "CAS": self._cas, "OI": self._oi, "LX": self._lx, "SV1": self._sv,
            "SV2": self._sv, "LIN": self._lin, "CTP": self._ctp, "SVD": self._svd,
        }  # fmt: skip
        dispatch(self.ts.raw_segments, self.ts.delimiters.element, handlers)
        self._finish()
        for error in self.log.finish():
            self.ts.add_segment_error(error)
        return self.result

    # -- header, hierarchy ---------------------------------------------------------------------------

    def _bht(self, seg: Segment, pos: int) -> None:
        """BHT: purpose (BHT02), reference (BHT03), date (BHT04), time (BHT05), type (BHT06)."""
        r = self.result
        r.purpose, r.reference, r.created_time, r.transaction_type = (
            (seg[2] or None),
            (seg[3] or None),
            (seg[5] or None),
            (seg[6] or None),
        )
        period = parse_period("D8", seg[4])
        r.created_date = period[0] if period else None

    def _hl(self, seg: Segment, pos: int) -> None:
        """HL03: 20 billing provider (2000A), 22 subscriber (2000B), 23 patient (2000C)."""
        s = self.s
        level = seg[3]
        s.party = s.claim = s.other = s.line = s.adjudication = None
        if level == "20":
            s.loop, s.billing, s.billing_prv, s.pay_to = "2000A", None, (None, None), None
            s.subscriber = s.patient = None
        elif level == "22":
            s.loop, s.subscriber, s.patient = "2000B", Subscriber(payer_responsibility=""), None
        elif level == "23":
            s.loop, s.patient = "2000C", Patient(relationship="")
        else:
            self.log.element(pos, seg, 3, INVALID_CODE, "HL03 is not 20, 22 or 23", loop_id=s.loop)

    def _nm1(self, seg: Segment, pos: int) -> None:
        s = self.s
        party = party_from_nm1(seg)
        code = party.entity_code
        s.party = party
        if code == "41":
            s.loop, self.result.submitter = "1000A", party
        elif code == "40":
            s.loop, self.result.receiver = "1000B", party
        elif s.line is not None:
            s.loop = "2420"
            s.line.providers += (party,)
        elif s.other is not None:
            s.loop = "2330"
            if code == "IL" and s.other.subscriber is None:
                s.other.subscriber = party
            elif code == "PR" and s.other.payer is None:
                s.other.payer = party
            else:
                s.other.providers += (party,)
        elif s.claim is not None:
            s.loop = "2310"
            s.claim.providers += (party,)
        elif code == "85":
            s.loop, s.billing = "2010AA", party
            party.provider_code, party.taxonomy = s.billing_prv
        elif code == "87":
            s.loop, s.pay_to = "2010AB", party
        elif code == "IL" and s.subscriber is not None:
            s.loop, s.subscriber.member = "2010BA", party
        elif code == "PR" and s.subscriber is not None:
            s.loop, s.subscriber.payer = "2010BB", party
        elif code == "QC" and s.patient is not None:
            s.loop, s.patient.person = "2010CA", party

    def _n3(self, seg: Segment, pos: int) -> None:
        if self.s.party is not None:
            apply_n3(self.s.party, seg)

    def _n4(self, seg: Segment, pos: int) -> None:
        if self.s.party is not None:
            apply_n4(self.s.party, seg)

    def _per(self, seg: Segment, pos: int) -> None:
        if self.s.party is not None:
            self.s.party.contacts += (contact_from_per(seg),)

    def _ref(self, seg: Segment, pos: int) -> None:
        """REF belongs to the open NM1 loop, else to the line (2400) or the claim (2300)."""
        s = self.s
        if s.line is not None and s.line.drug is not None and s.party is None and seg[1] == "XZ":
            s.line.drug.prescription_number = seg[2] or None
        elif s.party is not None:
            s.party.references += (reference(seg),)
        elif s.line is not None:
            s.line.references += (reference(seg),)
        elif s.claim is not None and s.other is None:
            s.claim.references += (reference(seg),)

    def _prv(self, seg: Segment, pos: int) -> None:
        """PRV01 provider code, PRV03 taxonomy: the open provider's, or the billing provider's (2000A)."""
        s = self.s
        if s.party is not None:
            s.party.provider_code, s.party.taxonomy = (seg[1] or None), (seg[3] or None)
        elif s.loop == "2000A":
            s.billing_prv = ((seg[1] or None), (seg[3] or None))

    def _sbr(self, seg: Segment, pos: int) -> None:
        """SBR: subscriber (2000B) outside a claim, other subscriber (2320) inside one."""
        s = self.s
        s.party = None
        target: Subscriber | OtherSubscriber
        if s.claim is not None:
            s.other, s.line, s.loop = OtherSubscriber(payer_responsibility=""), None, "2320"
            s.claim.other_subscribers += (s.other,)
            target = s.other
        elif s.subscriber is not None:
            target = s.subscriber
        else:
            self.log.segment(pos, "SBR", "2", "SBR outside a subscriber loop", s.loop)
            return
        target.payer_responsibility = seg[1]
        target.relationship, target.group_number, target.group_name = (
            (seg[2] or None),
            (seg[3] or None),
            (seg[4] or None),
        )
        target.insurance_type, target.claim_filing_indicator = (seg[5] or None), (seg[9] or None)

    def _pat(self, seg: Segment, pos: int) -> None:
        if self.s.patient is not None and self.s.loop == "2000C":
            self.s.patient.relationship = seg[1]

    def _dmg(self, seg: Segment, pos: int) -> None:
        """DMG: birth date (DMG02, D8) and gender (DMG03) of the subscriber (2010BA) or patient (2010CA)."""
        s = self.s
        period = parse_period("D8", seg[2]) if seg[2] else None
        if seg[2] and period is None:
            self.log.element(pos, seg, 2, INVALID_DATE, "DMG02 is not a valid date", loop_id=s.loop)
        birth = period[0] if period else None
        if s.loop == "2010BA" and s.subscriber is not None:
            s.subscriber.birth_date, s.subscriber.gender = birth, (seg[3] or None)
        elif s.loop == "2010CA" and s.patient is not None:
            s.patient.birth_date, s.patient.gender = birth, (seg[3] or None)

    # -- claim ---------------------------------------------------------------------------------------

    def _clm(self, seg: Segment, pos: int) -> None:
        s = self.s
        s.party = s.other = s.line = s.adjudication = None
        s.loop = "2300"
        if s.billing is None or s.subscriber is None:
            self.log.segment(pos, "CLM", "2", "CLM without a billing provider and subscriber loop", "2300")
            s.claim = None
            return
        patient = s.patient if s.patient is not None and s.patient.person is not None else None
        s.claim = build_claim(seg, pos, self.log, self.comp, (s.billing, s.pay_to, s.subscriber, patient))
        self.result.claims.append(s.claim)

    def _dtp(self, seg: Segment, pos: int) -> None:
        """DTP: claim dates (2300, e.g. 434 statement), line dates (2400, 472 service), 573 adjudication."""
        s = self.s
        period = parse_period(seg[2], seg[3])
        if period is None:
            self.log.element(pos, seg, 3, INVALID_DATE, "DTP03 is not a valid date", loop_id=s.loop)
            return
        value = DateValue(seg[1], period[0], period[1], seg[2] == "RD8")
        if s.adjudication is not None:
            s.adjudication.adjudication_date = period[0]
        elif s.line is not None:
            s.line.dates += (value,)
        elif s.other is not None:
            s.other.adjudication_date = period[0]
        elif s.claim is not None:
            s.claim.dates += (value,)

    def _cl1(self, seg: Segment, pos: int) -> None:
        self.s.seen.add("CL1")
        if self.s.claim is not None:
            self.s.claim.institutional = InstitutionalInfo(
                (seg[1] or None), (seg[2] or None), (seg[3] or None)
            )

    def _amt(self, seg: Segment, pos: int) -> None:
        """AMT: F5 patient paid (2300); D payer paid, A8 non-covered, EAF remaining liability (2320)."""
        s = self.s
        if s.line is not None:
            return
        amount = self.log.money(pos, seg, 2, required=True, loop_id=s.loop)
        qualifier = seg[1]
        if s.other is not None:
            if qualifier == "D":
                s.other.payer_paid = amount
            elif qualifier == "A8":
                s.other.non_covered = amount
            elif qualifier == "EAF":
                s.other.remaining_liability = amount
        elif s.claim is not None and qualifier == "F5":
            s.claim.patient_paid = amount

    def _hi(self, seg: Segment, pos: int) -> None:
        if self.s.claim is not None and self.s.line is None:
            self.s.claim.codes += tuple(build_codes(seg, pos, self.log, self.comp))

    def _cas(self, seg: Segment, pos: int) -> None:
        s = self.s
        if s.adjudication is not None:
            s.adjudication.adjustments += tuple(adjustments_from_cas(seg, pos, self.log, "2430"))
        elif s.other is not None and s.line is None:
            s.other.adjustments += tuple(adjustments_from_cas(seg, pos, self.log, "2320"))

    def _oi(self, seg: Segment, pos: int) -> None:
        """OI: benefits assignment (OI03), patient signature source (OI04), release of information (OI06)."""
        if self.s.other is not None:
            o = self.s.other
            o.benefits_assignment, o.patient_signature_source = (seg[3] or None), (seg[4] or None)
            o.release_of_information = seg[6] or None

    # -- lines ---------------------------------------------------------------------------------------

    def _lx(self, seg: Segment, pos: int) -> None:
        s = self.s
        s.party = s.other = s.adjudication = None
        s.loop = "2400"
        if s.claim is None:
            self.log.segment(pos, "LX", "2", "LX outside a claim", "2400")
            s.line = None
            return
        number = seg[1]
        s.line = ServiceLine(
            number=int(number) if is_digits(number) else len(s.claim.lines) + 1, charge=Decimal(0)
        )
        s.claim.lines += (s.line,)

    def _sv(self, seg: Segment, pos: int) -> None:
        s = self.s
        s.seen.add(seg[0])
        if s.line is None:
            self.log.segment(pos, seg[0], "2", f"{seg[0]} without LX", "2400")
            return
        s.party = None
        if seg[0] == "SV1":
            fill_sv1(s.line, seg, pos, self.log, self.comp)
        else:
            fill_sv2(s.line, seg, pos, self.log, self.comp)

    def _lin(self, seg: Segment, pos: int) -> None:
        """Loop 2410 LIN: product id qualifier (LIN02, N4 = NDC) and code (LIN03)."""
        if self.s.line is not None:
            self.s.party = None
            self.s.loop = "2410"
            self.s.line.drug = DrugInfo(qualifier=seg[2], code=seg[3])

    def _ctp(self, seg: Segment, pos: int) -> None:
        """CTP04 quantity, CTP05-1 unit of measure (loop 2410)."""
        line = self.s.line
        if line is not None and line.drug is not None:
            line.drug.quantity = self.log.money(pos, seg, 4, required=False, loop_id="2410")
            line.drug.unit = seg[5].split(self.comp)[0] or None

    def _svd(self, seg: Segment, pos: int) -> None:
        s = self.s
        if s.line is not None:
            s.party = None
            s.loop = "2430"
            s.adjudication = build_svd(seg, pos, self.log, self.comp)
            s.line.adjudications += (s.adjudication,)

    # -- end -----------------------------------------------------------------------------------------

    def _finish(self) -> None:
        r = self.result
        r.variant, note = detect_variant(self.s.seen, self.ts.implementation or "", self.ts.group.version)
        notes = [n for n in (self.component_note, note) if n]
        r.detection_note = "; ".join(notes) or None
        for claim in r.claims:
            normalise(claim, r.variant)
            check_balance(claim, r.variant)


def parse_claims(ts: TransactionSet) -> ClaimTransaction:
    """Parse an 837 transaction set (ST01 = 837)."""
    return ClaimParser(ts).parse()
