"""Loop-aware 835 (005010X221A1) parser with the TR3 balancing checks.

Balancing (TR3 section 1.10.2), reported as :class:`~.models837.BalancingIssue`, never raised:

* claim (loop 2100): CLP03 - sum of claim and line CAS amounts = CLP04;
* service line (loop 2110): SVC02 - sum of the line's CAS amounts = SVC03;
* transaction: BPR02 = sum of CLP04 - sum of PLB amounts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from revcycle.adapters.formats.x12.elements import (
    INVALID_DATE,
    SyntaxLog,
    dispatch,
    el,
    parse_date,
    parse_period,
)
from revcycle.adapters.formats.x12.envelope import TransactionSet
from revcycle.adapters.formats.x12.models835 import ClaimPayment, ProviderAdjustment, RemitLine, Remittance835
from revcycle.adapters.formats.x12.models837 import BalancingIssue, DateValue, Party
from revcycle.adapters.formats.x12.parties import (
    adjustments_from_cas,
    apply_n3,
    apply_n4,
    contact_from_per,
    party_from_nm1,
    reference,
)
from revcycle.adapters.formats.x12.reader import Segment


def _composite(raw: str, comp: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    parts = raw.split(comp)
    return parts[0] or None, (parts[1] or None) if len(parts) > 1 else None, tuple(m for m in parts[2:6] if m)


class RemittanceParser:
    """Parse one 835 transaction set into a :class:`Remittance835`; syntax problems go to the set."""

    def __init__(self, ts: TransactionSet) -> None:
        self.ts = ts
        self.comp = ts.delimiters.component
        self.log = SyntaxLog()
        self.result = Remittance835(
            control_number=ts.control_number, implementation=ts.implementation or ts.group.version
        )
        self.party: Party | None = None
        self.claim: ClaimPayment | None = None
        self.line: RemitLine | None = None
        self.header_number: str | None = None
        self.loop = "HEADER"

    def parse(self) -> Remittance835:
        handlers = {
            "BPR": self._bpr, "TRN": self._trn, "DTM": self._dtm, "N1": self._n1, "N3": self._n3,
            "N4": self._n4, "PER": self._per, "REF": self._ref, "LX": self._lx, "CLP": self._clp,
            "CAS": self._cas, "NM1": self._nm1, "AMT": self._amt, "SVC": self._svc, "LQ": self._lq,
            "PLB": self._plb,
        }  # fmt: skip
        dispatch(self.ts.raw_segments, self.ts.delimiters.element, handlers)
        self._balance()
        for error in self.log.finish():
            self.ts.add_segment_error(error)
        return self.result

    def _bpr(self, seg: Segment, pos: int) -> None:
        """BPR: handling code (BPR01), amount (BPR02), credit/debit (BPR03), method (BPR04), format
        (BPR05), payment / effective date (BPR16)."""
        r = self.result
        r.handling_code = seg[1] or None
        r.payment_amount = self.log.money(pos, seg, 2, required=True, loop_id="HEADER") or Decimal(0)
        r.credit_debit, r.payment_method, r.payment_format = (
            (seg[3] or None),
            (seg[4] or None),
            (seg[5] or None),
        )
        r.payment_date = self._date(pos, seg, 16)

    def _date(self, pos: int, seg: Segment, index: int) -> date | None:
        raw = el(seg, index)
        if not raw:
            return None
        value = parse_date(raw)
        if value is None:
            self.log.element(pos, seg, index, INVALID_DATE, f"{seg[0]}{index:02d} is not a valid date")
        return value

    def _trn(self, seg: Segment, pos: int) -> None:
        """TRN: check or EFT trace number (TRN02), originating company id (TRN03)."""
        if self.claim is None:
            self.result.trace_number, self.result.originator_id = (seg[2] or None), (seg[3] or None)

    def _dtm(self, seg: Segment, pos: int) -> None:
        """DTM: 405 production date (header); 232/233/036/050... claim dates; 472/150/151 line dates."""
        qualifier = seg[1]
        value = parse_date(seg[2])
        if value is None:
            self.log.element(pos, seg, 2, INVALID_DATE, "DTM02 is not a valid date", loop_id=self.loop)
            return
        dated = DateValue(qualifier, value, value)
        if self.line is not None:
            self.line.dates += (dated,)
        elif self.claim is not None:
            self.claim.dates += (dated,)
        elif qualifier == "405":
            self.result.production_date = value

    def _n1(self, seg: Segment, pos: int) -> None:
        """N1*PR payer (1000A), N1*PE payee (1000B): name (N102), id qualifier (N103), id (N104)."""
        party = Party(
            entity_code=seg[1],
            name=(seg[2] or None),
            id_qualifier=(seg[3] or None),
            identifier=(seg[4] or None),
        )
        self.party = party
        if party.entity_code == "PR":
            self.result.payer, self.loop = party, "1000A"
        elif party.entity_code == "PE":
            self.result.payee, self.loop = party, "1000B"

    def _n3(self, seg: Segment, pos: int) -> None:
        if self.party is not None:
            apply_n3(self.party, seg)

    def _n4(self, seg: Segment, pos: int) -> None:
        if self.party is not None:
            apply_n4(self.party, seg)

    def _per(self, seg: Segment, pos: int) -> None:
        if self.party is not None and self.claim is None:
            self.party.contacts += (contact_from_per(seg),)

    def _ref(self, seg: Segment, pos: int) -> None:
        if self.line is not None:
            self.line.references += (reference(seg),)
        elif self.claim is not None:
            self.claim.references += (reference(seg),)
        elif self.party is not None:
            self.party.references += (reference(seg),)

    def _lx(self, seg: Segment, pos: int) -> None:
        self.header_number, self.claim, self.line, self.party, self.loop = (
            (seg[1] or None),
            None,
            None,
            None,
            "2000",
        )

    def _clp(self, seg: Segment, pos: int) -> None:
        log = self.log
        self.party, self.line, self.loop = None, None, "2100"
        charge = log.money(pos, seg, 3, required=True, loop_id="2100")
        paid = log.money(pos, seg, 4, required=True, loop_id="2100")
        self.claim = ClaimPayment(
            patient_control_number=log.required(pos, seg, 1, "2100"),
            status=log.required(pos, seg, 2, "2100"),
            charge=charge if charge is not None else Decimal(0),
            paid=paid if paid is not None else Decimal(0),
            patient_responsibility=log.money(pos, seg, 5, required=False, loop_id="2100"),
            filing_indicator=(seg[6] or None),
            payer_claim_control_number=(seg[7] or None),
            facility_code=(seg[8] or None),
            frequency_code=(seg[9] or None),
            header_number=self.header_number,
        )
        self.result.claims.append(self.claim)

    def _cas(self, seg: Segment, pos: int) -> None:
        if self.line is not None:
            self.line.adjustments += tuple(adjustments_from_cas(seg, pos, self.log, "2110"))
        elif self.claim is not None:
            self.claim.adjustments += tuple(adjustments_from_cas(seg, pos, self.log, "2100"))

    def _nm1(self, seg: Segment, pos: int) -> None:
        """NM1 in 2100: QC patient, IL insured, 74 corrected patient, 82 rendering, TT crossover..."""
        if self.claim is None:
            return
        party = party_from_nm1(seg)
        if party.entity_code == "QC" and self.claim.patient is None:
            self.claim.patient = party
        else:
            self.claim.parties += (party,)

    def _amt(self, seg: Segment, pos: int) -> None:
        """AMT*B6 allowed amount (2110); other AMT qualifiers (AU coverage, ...) on the claim (2100)."""
        amount = self.log.money(pos, seg, 2, required=True, loop_id=self.loop)
        if amount is None:
            return
        if self.line is not None:
            if seg[1] == "B6":
                self.line.allowed = amount
        elif self.claim is not None:
            self.claim.amounts += ((seg[1], amount),)

    def _svc(self, seg: Segment, pos: int) -> None:
        if self.claim is None:
            self.log.segment(pos, "SVC", "2", "SVC outside a claim payment (2100)", "2110")
            return
        log = self.log
        self.loop = "2110"
        qualifier, code, modifiers = _composite(log.required(pos, seg, 1, "2110"), self.comp)
        original = _composite(seg[6], self.comp) if seg[6] else (None, None, ())
        self.line = RemitLine(
            procedure_qualifier=qualifier,
            procedure_code=code,
            modifiers=modifiers,
            charge=log.money(pos, seg, 2, required=True, loop_id="2110") or Decimal(0),
            paid=log.money(pos, seg, 3, required=True, loop_id="2110") or Decimal(0),
            revenue_code=(seg[4] or None),
            units=log.money(pos, seg, 5, required=False, loop_id="2110"),
            original_procedure_qualifier=original[0],
            original_procedure_code=original[1],
            original_modifiers=original[2],
            original_units=log.money(pos, seg, 7, required=False, loop_id="2110"),
        )
        self.claim.lines += (self.line,)

    def _lq(self, seg: Segment, pos: int) -> None:
        """LQ: remark codes (LQ01 = HE: RARC; RX: NCPDP reject codes)."""
        if self.line is not None:
            self.line.remarks += ((seg[1], seg[2]),)

    def _plb(self, seg: Segment, pos: int) -> None:
        """PLB: provider (PLB01), fiscal period (PLB02), then up to six (reason:reference, amount) pairs."""
        self.claim, self.line, self.loop = None, None, "SUMMARY"
        fiscal = parse_period("D8", seg[2])
        for index in range(3, 15, 2):
            raw = el(seg, index)
            if not raw:
                continue
            parts = raw.split(self.comp)
            amount = self.log.money(pos, seg, index + 1, required=True, loop_id="SUMMARY")
            self.result.provider_adjustments += (
                ProviderAdjustment(
                    provider_id=seg[1],
                    fiscal_period=fiscal[0] if fiscal else None,
                    reason=parts[0],
                    reference=(parts[1] or None) if len(parts) > 1 else None,
                    amount=amount if amount is not None else Decimal(0),
                ),
            )

    def _balance(self) -> None:
        r = self.result
        for claim in r.claims:
            for number, line in enumerate(claim.lines, start=1):
                if line.charge - line.adjustment_total != line.paid:
                    claim.balancing_issues += (
                        BalancingIssue(
                            "line_payment_mismatch",
                            f"service line {number}: SVC02 minus line CAS amounts does not equal SVC03",
                            expected=line.paid,
                            actual=line.charge - line.adjustment_total,
                        ),
                    )
            if claim.charge - claim.adjustment_total != claim.paid:
                claim.balancing_issues += (
                    BalancingIssue(
                        "claim_payment_mismatch",
                        "CLP03 minus claim and line CAS amounts does not equal CLP04",
                        expected=claim.paid,
                        actual=claim.charge - claim.adjustment_total,
                    ),
                )
        computed = r.paid_total - r.provider_adjustment_total
        if computed != r.payment_amount:
            r.balancing_issues += (
                BalancingIssue(
                    "payment_total_mismatch",
                    "BPR02 does not equal the sum of CLP04 minus the sum of PLB adjustments",
                    expected=r.payment_amount,
                    actual=computed,
                ),
            )


def parse_remittance(ts: TransactionSet) -> Remittance835:
    """Parse an 835 transaction set (ST01 = 835)."""
    return RemittanceParser(ts).parse()
