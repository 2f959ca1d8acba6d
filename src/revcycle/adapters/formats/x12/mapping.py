"""``to_commands``: a parsed X12 document to canonical commands (``revcycle.domain.commands``).

Per transaction set, in file order:

* 837P / 837I -> one :class:`SubmitClaim` per claim (loop 2300), with the patient (2010CA, or the
  subscriber 2010BA when the subscriber is the patient) and the set's GS06 / ST02 so that a later 999 finds
  the claims it acknowledges. A set our own 999 rejects (envelope or syntax errors) gives no commands: the
  sender is told to correct and resend it, and the claims never enter the lifecycle. Balancing problems
  (CLM02 against the line charges) are data problems: the claim is submitted and the handler raises a
  finding.
* 835 -> one :class:`RecordRemittance`. Remittances are facts about money from a payer, so they are
  mapped even when our 999 would note syntax errors (balancing issues become findings in the handlers).
* 277CA (005010X214) -> one :class:`RecordClaimAck` per claim (loop 2200D). A 277 claim status response
  (005010X212) answers a 276 inquiry we do not send: parsed, not mapped.
* 999 / 997 -> one :class:`RecordFunctionalAck` per acknowledged transaction set (AK2 + IK5), or, when a
  999 has no AK2 (allowed when the whole group is accepted), one group-level command from AK9.
* TA1 -> one interchange-level :class:`RecordFunctionalAck`.
* 270, 271, 276, 834 and other types: identified, stored and acknowledged, not mapped (no commands).

Identity without an MRN: an 837 carries no medical record number, so the patient is keyed by the payer
(``x12:<2010BB NM109>`` as assigning authority) and the subscriber's member id (2010BA NM109); a dependent
(2000C) adds the relationship code and birth date (or name) to the member id. Both are PHI fields.

Errors are :class:`X12MappingError` (a ``MappingError``): PHI-free, naming the set and the element.
"""

from __future__ import annotations

from revcycle.adapters.formats.base import Envelope
from revcycle.adapters.formats.x12.ack277 import ClaimStatusTransaction
from revcycle.adapters.formats.x12.ack999 import FunctionalAck
from revcycle.adapters.formats.x12.document import ParsedTransaction, X12Document
from revcycle.adapters.formats.x12.errors import X12MappingError
from revcycle.adapters.formats.x12.map_claims import claim_commands
from revcycle.adapters.formats.x12.map_remit import remittance
from revcycle.adapters.formats.x12.models835 import Remittance835
from revcycle.adapters.formats.x12.models837 import ClaimTransaction
from revcycle.domain import commands as c
from revcycle.domain.errors import DomainError
from revcycle.domain.money import money


def _functional_acks(ack: FunctionalAck) -> list[c.Command]:
    commands: list[c.Command] = []
    for transaction in ack.transactions:
        errors = [f"IK5-{code}" for code in transaction.error_codes]
        for segment in transaction.segment_errors:
            errors.append(f"IK3-{segment.segment_id}-{segment.code}")
            errors.extend(f"IK4-{segment.segment_id}{e.position:02d}-{e.code}" for e in segment.elements)
        commands.append(
            c.RecordFunctionalAck(
                group_control_number=ack.group_control_number,
                status=transaction.status or "R",
                transaction_control_number=transaction.control_number,
                transaction_type=transaction.transaction_type,
                errors=tuple(errors),
            )
        )
    if not ack.transactions and ack.status:
        commands.append(
            c.RecordFunctionalAck(
                group_control_number=ack.group_control_number,
                status=ack.status,
                errors=tuple(f"AK9-{code}" for code in ack.error_codes),
            )
        )
    return commands


def _claim_acks(status: ClaimStatusTransaction, where: str) -> list[c.Command]:
    commands: list[c.Command] = []
    for number, claim in enumerate(status.claims, start=1):
        if not claim.patient_control_number or claim.category_code is None:
            raise X12MappingError(
                "277CA claim without TRN02 patient control number or STC status",
                location=f"{where} claim {number}",
            )
        amount = claim.total_charge
        try:
            amount = money(amount) if amount is not None else None
        except DomainError:
            amount = None
        commands.append(
            c.RecordClaimAck(
                patient_control_number=claim.patient_control_number,
                accepted=claim.accepted,
                category_code=claim.category_code,
                status_code=claim.status_code,
                payer_claim_control_number=claim.payer_claim_control_number,
                amount=amount,
            )
        )
    return commands


def transaction_commands(transaction: ParsedTransaction) -> list[c.Command]:
    """The commands of one parsed transaction set (see the module docstring)."""
    content = transaction.content
    where = f"ST02 {transaction.control_number}"
    try:
        if isinstance(content, ClaimTransaction):
            if not transaction.accepted:
                return []
            return claim_commands(content, transaction.group.control_number, transaction.control_number)
        if isinstance(content, Remittance835):
            return [c.RecordRemittance(remittance(content))]
        if isinstance(content, ClaimStatusTransaction):
            return _claim_acks(content, where) if content.is_claim_acknowledgment else []
        if isinstance(content, FunctionalAck):
            return _functional_acks(content)
    except DomainError:
        raise X12MappingError("transaction set has an amount out of range", location=where) from None
    return []


def to_commands(parsed: X12Document, envelope: Envelope) -> list[c.Command]:
    """The canonical commands of a parsed interchange file, in file order; TA1s after the sets.

    ``envelope`` (from ``identify``) is not needed: every set carries its own envelope context."""
    commands: list[c.Command] = []
    for transaction in parsed.transactions:
        commands.extend(transaction_commands(transaction))
    for ta1 in parsed.interchange_acks:
        commands.append(
            c.RecordFunctionalAck(
                group_control_number=None,
                status=ta1.status,
                interchange_control_number=ta1.control_number,
                errors=(f"TA1-{ta1.note_code}",) if ta1.note_code and ta1.note_code != "000" else (),
            )
        )
    return commands
