"""Segment builders shared by the transaction parsers: NM1, N3, N4, PER, REF, CAS."""

from __future__ import annotations

from decimal import Decimal

from revcycle.adapters.formats.x12.elements import INVALID_CHARACTER, SyntaxLog, el, opt, parse_decimal
from revcycle.adapters.formats.x12.models837 import Address, Adjustment, Contact, Party, Reference
from revcycle.adapters.formats.x12.reader import Segment


def party_from_nm1(segment: Segment) -> Party:
    """NM1: entity identifier (NM101), type (NM102), name parts (NM103-NM107), id (NM108/NM109)."""
    return Party(
        entity_code=el(segment, 1),
        entity_type=el(segment, 2) or "2",
        name=opt(segment, 3),
        first_name=opt(segment, 4),
        middle_name=opt(segment, 5),
        suffix=opt(segment, 7),
        id_qualifier=opt(segment, 8),
        identifier=opt(segment, 9),
    )


def apply_n3(party: Party, segment: Segment) -> None:
    """N3 address lines."""
    address = party.address or Address()
    address.line1, address.line2 = opt(segment, 1), opt(segment, 2)
    party.address = address


def apply_n4(party: Party, segment: Segment) -> None:
    """N4 city, state, postal code, country."""
    address = party.address or Address()
    address.city, address.state = opt(segment, 1), opt(segment, 2)
    address.postal_code, address.country = opt(segment, 3), opt(segment, 4)
    party.address = address


def contact_from_per(segment: Segment) -> Contact:
    """PER: function (PER01), name (PER02), (qualifier, number) pairs PER03/04, 05/06, 07/08."""
    pairs = tuple(
        (el(segment, i), el(segment, i + 1)) for i in (3, 5, 7) if el(segment, i) or el(segment, i + 1)
    )
    return Contact(function=el(segment, 1), name=opt(segment, 2), numbers=pairs)


def reference(segment: Segment) -> Reference:
    """REF qualifier (REF01) and identifier (REF02)."""
    return Reference(el(segment, 1), el(segment, 2))


def adjustments_from_cas(segment: Segment, position: int, log: SyntaxLog, loop_id: str) -> list[Adjustment]:
    """CAS: group (CAS01) and up to six reason / amount / quantity triplets (CAS02-CAS19)."""
    group = el(segment, 1)
    if not group:
        log.required(position, segment, 1, loop_id)
    result: list[Adjustment] = []
    for start in range(2, 20, 3):
        reason = el(segment, start)
        raw_amount = el(segment, start + 1)
        if not reason and not raw_amount:
            continue
        amount = log.money(position, segment, start + 1, required=True, loop_id=loop_id)
        raw_qty = el(segment, start + 2)
        quantity = parse_decimal(raw_qty) if raw_qty else None
        if raw_qty and quantity is None:
            log.element(
                position,
                segment,
                start + 2,
                INVALID_CHARACTER,
                f"CAS{start + 2:02d} is not a number",
                loop_id=loop_id,
            )
        if not reason:
            log.required(position, segment, start, loop_id)
        result.append(Adjustment(group, reason, amount if amount is not None else Decimal(0), quantity))
    return result
