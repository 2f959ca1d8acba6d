"""837P (005010X222A1) and 837I (005010X223A2) generation from the native claim structures.

Claims are written in order; consecutive claims with an equal billing provider (and pay-to) share one
2000A HL, consecutive claims of an equal subscriber one 2000B HL and of an equal patient one 2000C HL.
Claim content is written in TR3 segment order (see :mod:`.gen837_claim`); what the native model holds is
written, nothing else, so parse -> generate -> parse gives equal claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from types import MappingProxyType

from revcycle.adapters.formats.x12.gen837_claim import write_claim, write_party
from revcycle.adapters.formats.x12.models837 import Claim, ClaimTransaction, Party, Patient, Subscriber
from revcycle.adapters.formats.x12.writer import Party12, SegmentWriter, close_interchange, open_interchange

IMPLEMENTATIONS = MappingProxyType({"837P": "005010X222A1", "837I": "005010X223A2"})


def _write_person(w: SegmentWriter, person: Party, birth_date: date | None, gender: str | None) -> None:
    """NM1, N3, N4, DMG, REF, PER of a subscriber (2010BA) or patient (2010CA)."""
    write_party(w, person, with_contacts=False, with_references=False)
    if birth_date is not None or gender is not None:
        birth = birth_date.strftime("%Y%m%d") if birth_date else None
        w.segment("DMG", "D8" if birth else None, birth, gender)
    for ref in person.references:
        w.segment("REF", ref.qualifier, ref.value)
    for contact in person.contacts:
        w.segment("PER", contact.function, contact.name, *(v for pair in contact.numbers for v in pair))


def _write_subscriber(w: SegmentWriter, subscriber: Subscriber, has_patient: bool) -> None:
    """Loop 2000B SBR, 2010BA subscriber (NM1*IL, N3, N4, DMG, REF), 2010BB payer (NM1*PR, N3, N4, REF)."""
    relationship = None if has_patient else subscriber.relationship
    w.segment(
        "SBR", subscriber.payer_responsibility or "P", relationship, subscriber.group_number,
        subscriber.group_name, subscriber.insurance_type, None, None, None, subscriber.claim_filing_indicator,
    )  # fmt: skip
    if subscriber.member is not None:
        _write_person(w, subscriber.member, subscriber.birth_date, subscriber.gender)
    if subscriber.payer is not None:
        write_party(w, subscriber.payer)


def _write_patient(w: SegmentWriter, patient: Patient) -> None:
    """Loop 2000C PAT and 2010CA NM1*QC, N3, N4, DMG."""
    w.segment("PAT", patient.relationship)
    if patient.person is not None:
        _write_person(w, patient.person, patient.birth_date, patient.gender)


def _write_billing(w: SegmentWriter, billing: Party, pay_to: Party | None) -> None:
    """Loop 2000A PRV*BI, 2010AA NM1*85 (N3, N4, REF*EI, PER), 2010AB NM1*87 pay-to (N3, N4)."""
    if billing.taxonomy:
        w.segment("PRV", billing.provider_code or "BI", "PXC", billing.taxonomy)
    write_party(w, billing, with_taxonomy=False)
    if pay_to is not None:
        write_party(w, pay_to, with_contacts=False, with_references=False)


def write_transaction(w: SegmentWriter, transaction: ClaimTransaction, control_number: str) -> None:
    """ST..SE for one 837 transaction set."""
    start = len(w.lines)
    variant = transaction.variant
    w.segment("ST", "837", control_number, IMPLEMENTATIONS[variant])
    created = transaction.created_date.strftime("%Y%m%d") if transaction.created_date else None
    w.segment(
        "BHT", "0019", transaction.purpose or "00", transaction.reference or control_number, created,
        transaction.created_time, transaction.transaction_type or "CH",
    )  # fmt: skip
    for party in (transaction.submitter, transaction.receiver):
        if party is not None:
            write_party(w, party, with_references=False)
    hl = 0
    billing_hl = subscriber_hl = 0
    current: tuple[Party, Party | None] | None = None
    current_subscriber: Subscriber | None = None
    current_patient: Patient | None = None
    claims = transaction.claims
    for index, claim in enumerate(claims):
        if current is None or current != (claim.billing_provider, claim.pay_to):
            hl += 1
            billing_hl, current = hl, (claim.billing_provider, claim.pay_to)
            current_subscriber = current_patient = None
            w.segment("HL", hl, None, "20", 1)
            _write_billing(w, claim.billing_provider, claim.pay_to)
        if current_subscriber is None or current_subscriber != claim.subscriber:
            hl += 1
            subscriber_hl, current_subscriber, current_patient = hl, claim.subscriber, None
            w.segment("HL", hl, billing_hl, "22", 1 if claim.patient is not None else 0)
            _write_subscriber(w, claim.subscriber, claim.patient is not None)
        if claim.patient is not None and current_patient != claim.patient:
            hl += 1
            current_patient = claim.patient
            w.segment("HL", hl, subscriber_hl, "23", 0)
            _write_patient(w, claim.patient)
        write_claim(w, claim, variant)
        _ = index
    w.segment("SE", w.count_since(start) + 1, control_number)


def build_837(
    transactions: Sequence[ClaimTransaction],
    *,
    sender: Party12,
    receiver: Party12,
    control_number: int,
    now: datetime,
    group_control_number: int = 1,
    usage: str = "P",
) -> bytes:
    """An interchange with one HC functional group per variant present (837P, 837I)."""
    w = SegmentWriter()
    variants = [v for v in ("837P", "837I") if any(t.variant == v for t in transactions)]
    first = True
    groups = 0
    set_number = 0
    for offset, variant in enumerate(variants):
        group_number = group_control_number + offset
        if first:
            open_interchange(
                w, sender=sender, receiver=receiver, control_number=control_number, now=now, usage=usage,
                functional_id="HC", group_control_number=group_number, version=IMPLEMENTATIONS[variant],
            )  # fmt: skip
            first = False
        else:
            w.segment(
                "GS", "HC", sender.application, receiver.application, now.strftime("%Y%m%d"),
                now.strftime("%H%M"), group_number, "X", IMPLEMENTATIONS[variant],
            )  # fmt: skip
        sets = 0
        for transaction in transactions:
            if transaction.variant == variant:
                set_number += 1
                sets += 1
                write_transaction(w, transaction, f"{set_number:04d}")
        w.segment("GE", sets, group_number)
        groups += 1
    close_interchange(w, control_number=control_number, groups=groups, group_control_number=None, sets=0)
    return w.render()


def claims_to_transaction(
    claims: Sequence[Claim], variant: str, *, submitter: Party, receiver: Party
) -> ClaimTransaction:
    """Wrap claims (for example mapped from canonical claims) in a transaction to generate."""
    return ClaimTransaction(
        variant=variant,
        implementation=IMPLEMENTATIONS[variant],
        control_number="0001",
        submitter=submitter,
        receiver=receiver,
        claims=list(claims),
    )
