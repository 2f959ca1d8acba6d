"""Segment builders shared by the transaction parsers: NM1, N3, N4, PER, REF, CAS."""

from __future__ import annotations

from decimal import Decimal

from revcycle.adapters.formats.x12.elements import INVALID_CHARACTER, SyntaxLog, el, parse_decimal
from revcycle.adapters.formats.x12.models837 import Address, Adjustment, Contact, Party, Reference
from revcycle.adapters.formats.x12.reader import Segment


def party_from_nm1(segment: Segment) -> Party:
    """NM1: entity identifier (NM101), type (NM102), name parts (NM103-NM107), id (NM108/NM109)."""
    return Party(
        entity_code=segment[1],
        entity_type=segment[2] or "2",
        name=(segment[3] or None),
        first_name=(segment[4] or None),
        middle_name=(segment[5] or None),
        suffix=(segment[7] or None),
        id_qualifier=(segment[8] or None),
        identifier=(segment[9] or None),
    )


def apply_n3(party: Party, segment: Segment) -> None:
    """N3 address lines."""
    address = party.address or Address()
    address.line1, address.line2 = (segment[1] or None), (segment[2] or None)
    party.address = address


def apply_n4(party: Party, segment: Segment) -> None:
    """N4 city, state, postal code, country."""
    address = party.address or Address()
    address.city, address.state = (segment[1] or None), (segment[2] or None)
    address.postal_code, address.country = (segment[3] or None), (segment[4] or None)
    party.address = address


def contact_from_per(segment: Segment) -> Contact:
    """PER: function (PER01), name (PER02), (qualifier, number) pairs PER03/04, 05/06, 07/08."""
    pairs = tuple(
        (el(segment, i), el(segment, i + 1)) for i in (3, 5, 7) if el(segment, i) or el(segment, i + 1)
    )
    return Contact(function=segment[1], name=(segment[2] or None), numbers=pairs)


def reference(segment: Segment) -> Reference:
    """REF qualifier (REF01) and identifier (REF02)."""
    return Reference(segment[1], segment[2])


def adjustments_from_cas(segment: Segment, position: int, log: SyntaxLog, loop_id: str) -> list[Adjustment]:
    """CAS: group (CAS01) and up to six reason / amount / quantity triplets (CAS02-CAS19)."""
    group = segment[1]
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
