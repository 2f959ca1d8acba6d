"""Canonical claims to 837P (005010X222A1) / 837I (005010X223A2): the inverse of :mod:`.map_claims`.

Each canonical ``Claim`` becomes one native loop 2300 (:mod:`.models837`) and is rendered with the
existing generator (:func:`.gen837.build_837`). Field by field: CLM01 patient control number; CLM02 total
charge; CLM05-1 place of service (837P) or the first two digits of the type of bill (837I, else
``facility_code``); CLM05-3 the type of bill's third digit (837I) or the frequency; REF*F8 payer claim
control number; REF*G1 prior authorization; DTP*434 statement period (837I); HI diagnoses with their
qualifiers (ABK first, ABF after when a diagnosis has none) and procedures (837I: BBR first, BBQ after);
2010AA billing NPI; 2310x rendering (82), attending (71, 837I), referring (DN) NPIs; SBR01 from the payer
rank; 2010BA member id; 2010BB payer id; 2320 AMT*D other payer paid; per line: LX01, SV101 / SV202
procedure and modifiers, SV102 / SV203 charge, SV104 / SV205 units, SV201 revenue code, SV107 diagnosis
pointers, REF*6R line control number, DTP*472 service date(s), SV105 place of service and 2420 rendering
NPI only when they differ from the claim's (the reverse mapping falls back to the claim's values).

Placeholders (the canonical model has no PHI or provider-directory fields, so nothing is invented):

* person and organisation names the TR3 requires (2010BA subscriber, 2010BB payer, 2310x / 2420x
  providers, 2330A / 2330B other subscriber and payer) are ``UNKNOWN`` (``PLACEHOLDER_NAME``); no
  address, birth date or gender is written;
* the subscriber is written as the patient (SBR02 = 18, no 2000C loop): a dependent's identity is not on
  the canonical claim, so ``patient_key`` does not survive for dependents;
* SBR09 claim filing indicator is ``ZZ`` (mutually defined); CLM06-09 are ``Y`` (837P only), ``A``,
  ``Y``, ``Y``; SV103 / SV204 unit basis is ``UN``; the 2320 other payer's SBR01 is ``S`` when ours
  is primary (else ``P``), its member and payer ids are ``UNKNOWN``; OI03 / OI06 are ``Y``;
* 837I CL1 (required): CL101 admission type ``9`` (information not available), CL103 patient status
  ``01`` (``PLACEHOLDER_PATIENT_STATUS``: discharged to home, the usual value on outpatient bills; the
  canonical model has no discharge status); CLM06 is not used in 837I;
* an 837P claim with neither place of service nor facility code gets ``99`` (other place of service);
* an 837I claim without a statement period gets the span of its line service dates; 837I procedure codes
  (BBR, BBQ) require a date: the statement start date is written (the canonical model has none).

Submitter (1000A), receiver (1000B) and the billing provider's name, address and tax id (2010AA) are
parameters: they describe the sender, not the patient. The billing provider's NM109 is the claim's NPI.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime

from revcycle.adapters.formats.x12 import models837 as m
from revcycle.adapters.formats.x12.errors import X12MappingError
from revcycle.adapters.formats.x12.gen837 import build_837
from revcycle.adapters.formats.x12.writer import Party12
from revcycle.domain import claims as dc

PLACEHOLDER_NAME = "UNKNOWN"
PLACEHOLDER_ID = "UNKNOWN"
PLACEHOLDER_PATIENT_STATUS = "01"
_RANK_CODES = {1: "P", 2: "S", 3: "T"}
_VARIANTS = {dc.ClaimKind.PROFESSIONAL: "837P", dc.ClaimKind.INSTITUTIONAL: "837I"}


def _provider(entity_code: str, npi: str) -> m.Party:
    return m.Party(entity_code, "1", PLACEHOLDER_NAME, id_qualifier="XX", identifier=npi)


def _codes(claim: dc.Claim, institutional: bool) -> tuple[m.CodeEntry, ...]:
    codes = [
        m.CodeEntry(d.qualifier or ("ABK" if i == 0 else "ABF"), d.code)
        for i, d in enumerate(claim.diagnoses)
    ]
    if institutional and claim.procedures:
        period = _statement(claim)
        when = f"{period[0]:%Y%m%d}" if period else None
        for i, code in enumerate(claim.procedures):
            codes.append(m.CodeEntry("BBR" if i == 0 else "BBQ", code, "D8" if when else None, when))
    return tuple(codes)


def _line(line: dc.ClaimLine, institutional: bool, place: str | None, rendering: str | None) -> m.ServiceLine:
    dates: tuple[m.DateValue, ...] = ()
    if line.service_date is not None:
        end = line.service_date_end
        dates = (m.DateValue("472", line.service_date, end or line.service_date, period=end is not None),)
    references = (m.Reference("6R", line.line_control_number),) if line.line_control_number else ()
    providers: tuple[m.Party, ...] = ()
    if line.rendering_npi and line.rendering_npi != rendering:
        providers = (_provider("82", line.rendering_npi),)
    return m.ServiceLine(
        number=line.line_number,
        charge=line.charge,
        procedure_qualifier="HC" if line.procedure_code else None,
        procedure_code=line.procedure_code,
        modifiers=line.modifiers,
        revenue_code=line.revenue_code,
        unit_basis="UN",
        units=line.units,
        place_of_service=None if institutional or line.place_of_service == place else line.place_of_service,
        diagnosis_pointers=() if institutional else line.diagnosis_pointers,
        dates=dates,
        references=references,
        providers=providers,
    )


def _statement(claim: dc.Claim) -> tuple[date, date] | None:
    if claim.statement_from is not None:
        return claim.statement_from, claim.statement_to or claim.statement_from
    starts = [x.service_date for x in claim.lines if x.service_date is not None]
    ends = [x.service_date_end or x.service_date for x in claim.lines if x.service_date is not None]
    return (min(starts), max(e for e in ends if e is not None)) if starts else None


def _facility(claim: dc.Claim, institutional: bool) -> tuple[str, str]:
    """CLM05-1 and CLM05-3."""
    if institutional:
        bill = claim.type_of_bill
        if bill and len(bill) >= 2:
            return bill[:-1], bill[-1]
        if claim.facility_code:
            return claim.facility_code, claim.frequency.value
        raise X12MappingError("837I claim without type of bill", location="CLM05")
    return claim.place_of_service or claim.facility_code or "99", claim.frequency.value


def _other_subscriber(claim: dc.Claim) -> tuple[m.OtherSubscriber, ...]:
    if claim.other_payer_paid is None:
        return ()
    return (
        m.OtherSubscriber(
            payer_responsibility="S" if claim.payer_rank == 1 else "P",
            relationship="18",
            claim_filing_indicator="ZZ",
            payer_paid=claim.other_payer_paid,
            benefits_assignment="Y",
            release_of_information="Y",
            subscriber=m.Party("IL", "1", PLACEHOLDER_NAME, id_qualifier="MI", identifier=PLACEHOLDER_ID),
            payer=m.Party("PR", "2", PLACEHOLDER_NAME, id_qualifier="PI", identifier=PLACEHOLDER_ID),
        ),
    )


def native_claim(claim: dc.Claim, *, billing_provider: m.Party) -> m.Claim:
    """The native 837 loop 2300 (with its 2000A / 2000B context) of one canonical claim."""
    if not claim.billing_npi:
        raise X12MappingError("claim without billing provider NPI", location="NM109")
    if not claim.member_id:
        raise X12MappingError("claim without member id", location="NM109")
    if not claim.payer_id:
        raise X12MappingError("claim without payer id", location="NM109")
    institutional = claim.kind is dc.ClaimKind.INSTITUTIONAL
    facility, frequency = _facility(claim, institutional)
    place = None if institutional else facility
    references = [
        m.Reference(q, v)
        for q, v in (("G1", claim.prior_authorization), ("F8", claim.payer_claim_control_number))
        if v
    ]
    dates: tuple[m.DateValue, ...] = ()
    if institutional and (period := _statement(claim)) is not None:
        dates = (m.DateValue("434", period[0], period[1], period=True),)
    npis = (
        (("71", claim.attending_npi), ("82", claim.rendering_npi), ("DN", claim.referring_npi))
        if institutional
        else (("DN", claim.referring_npi), ("82", claim.rendering_npi))
    )
    providers = [_provider(code, npi) for code, npi in npis if npi]
    subscriber = m.Subscriber(
        payer_responsibility=_RANK_CODES.get(claim.payer_rank, "P"),
        relationship="18",
        claim_filing_indicator="ZZ",
        member=m.Party("IL", "1", PLACEHOLDER_NAME, id_qualifier="MI", identifier=claim.member_id),
        payer=m.Party("PR", "2", PLACEHOLDER_NAME, id_qualifier="PI", identifier=claim.payer_id),
    )
    return m.Claim(
        patient_control_number=claim.patient_control_number,
        total_charge=claim.total_charge,
        facility_code=facility,
        facility_qualifier="A" if institutional else "B",
        frequency_code=frequency,
        billing_provider=dataclasses.replace(
            billing_provider, entity_code="85", id_qualifier="XX", identifier=claim.billing_npi
        ),
        subscriber=subscriber,
        provider_signature=None if institutional else "Y",
        assignment="A",
        benefits_assignment="Y",
        release_of_information="Y",
        dates=dates,
        institutional=m.InstitutionalInfo(admission_type="9", patient_status=PLACEHOLDER_PATIENT_STATUS)
        if institutional
        else None,
        references=tuple(references),
        codes=_codes(claim, institutional),
        providers=tuple(providers),
        other_subscribers=_other_subscriber(claim),
        lines=tuple(_line(x, institutional, place, claim.rendering_npi) for x in claim.lines),
    )


def claims_to_837(
    claims: Sequence[dc.Claim],
    *,
    kind: dc.ClaimKind,
    sender: Party12,
    receiver: Party12,
    submitter: m.Party,
    recipient: m.Party,
    billing_provider: m.Party,
    control_number: int,
    now: datetime,
    group_control_number: int = 1,
    usage: str = "P",
) -> bytes:
    """One interchange with one 837P or 837I transaction set holding ``claims`` (all of ``kind``).

    ``sender`` / ``receiver`` are the ISA / GS parties, ``submitter`` / ``recipient`` the 1000A / 1000B
    loops (NM1*41 with its PER, NM1*40), ``billing_provider`` the 2010AA template (name, address, tax id).
    """
    wrong = [c.patient_control_number for c in claims if c.kind is not kind]
    if wrong:
        raise X12MappingError(f"claims of another kind than {kind.value}: {wrong}", location="CLM")
    variant = _VARIANTS[kind]
    transaction = m.ClaimTransaction(
        variant=variant,
        implementation="",
        control_number="0001",
        purpose="00",
        created_date=now.date(),
        created_time=now.strftime("%H%M"),
        transaction_type="CH",
        submitter=dataclasses.replace(submitter, entity_code="41"),
        receiver=dataclasses.replace(recipient, entity_code="40"),
        claims=[native_claim(c, billing_provider=billing_provider) for c in claims],
    )
    return build_837(
        [transaction],
        sender=sender,
        receiver=receiver,
        control_number=control_number,
        now=now,
        group_control_number=group_control_number,
        usage=usage,
    )
