"""One builder per master-data kind: a row (``RowReader``) to a domain record, checked field by field.

A builder returns ``(record, code)``; the row's errors are in ``row.errors`` (the record is discarded
when there are any). Field names are the wire form's (``adapters/formats/masterdata``'s docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from revcycle.adapters.formats.masterdata.checks import CodeChecks
from revcycle.adapters.formats.masterdata.rows import RowReader
from revcycle.domain.master_data import (
    AccountType,
    Contract,
    Department,
    Effective,
    Facility,
    FeeScheduleEntry,
    GlAccount,
    Payer,
    PayerClass,
    PayerClassDefinition,
    Provider,
)
from revcycle.domain.master_loads import PatientRegistration
from revcycle.domain.patients import Address, Coverage, CoverageRank, Patient, Sex

Built = tuple[Any, str | None]
Builder = Callable[[RowReader, CodeChecks], Built]


def _effective(row: RowReader, checks: CodeChecks) -> Effective:
    effective = Effective(row.day("effective_start"), row.day("effective_end"))
    checks.effective(row, effective)
    return effective


def payer(row: RowReader, checks: CodeChecks) -> Built:
    code = row.required("payer_id")
    record = Payer(
        payer_id=code,
        name=row.required("name"),
        payer_class=row.choice("payer_class", PayerClass, PayerClass.OTHER),
        timely_filing_days=row.integer("timely_filing_days", minimum=1),
        effective=_effective(row, checks),
    )
    return record, code


def payer_class(row: RowReader, checks: CodeChecks) -> Built:
    code = row.required("code")
    record = PayerClassDefinition(
        code=code,
        name=row.required("name"),
        category=row.choice("category", PayerClass, PayerClass.OTHER),
        effective=_effective(row, checks),
    )
    return record, code


def provider(row: RowReader, checks: CodeChecks) -> Built:
    npi = row.required("npi")
    checks.npi(row, "npi", npi or None)
    taxonomy = row.text("taxonomy")
    checks.taxonomy_code(row, "taxonomy", taxonomy)
    effective = _effective(row, checks)
    name = row.required("name")
    is_organization = row.flag("is_organization")
    if row.errors:
        return None, npi or None
    return Provider(npi, name, taxonomy, is_organization, effective), npi


def facility(row: RowReader, checks: CodeChecks) -> Built:
    code = row.required("code")
    npi = row.text("npi")
    checks.npi(row, "npi", npi)
    place = row.text("place_of_service")
    checks.pos(row, "place_of_service", place)
    record = Facility(
        code=code,
        name=row.required("name"),
        npi=npi,
        place_of_service=place.zfill(2) if place else None,
        legal_entity=row.text("legal_entity"),
        effective=_effective(row, checks),
    )
    return record, code


def department(row: RowReader, checks: CodeChecks) -> Built:
    code = row.required("code")
    record = Department(
        code=code,
        name=row.required("name"),
        facility_code=row.text("facility_code"),
        cost_centre=row.text("cost_centre"),
        service_line=row.text("service_line"),
        effective=_effective(row, checks),
    )
    return record, code


def gl_account(row: RowReader, checks: CodeChecks) -> Built:
    code = row.required("account")
    account_type = row.text("account_type")
    if account_type is None:
        row.fail("account_type: required")
    record = GlAccount(
        account=code,
        name=row.required("name"),
        account_type=row.choice("account_type", AccountType, AccountType.REVENUE),
        cost_centre=row.text("cost_centre"),
        effective=_effective(row, checks),
    )
    return record, code


def contract(row: RowReader, checks: CodeChecks) -> Built:
    code = row.required("contract_id")
    raw_lines = row.data.get("fee_schedule")
    lines: Sequence[Mapping[str, Any]] = (
        raw_lines if isinstance(raw_lines, list) else ([row.data] if row.text("procedure_code") else [])
    )
    entries = []
    for index, line in enumerate(lines, start=1):
        reader = RowReader(line if isinstance(line, Mapping) else {})
        entry = FeeScheduleEntry(
            reader.required("procedure_code"),
            reader.decimal("amount", minimum=Decimal(0)),
            reader.text("modifier"),
        )
        where = f"fee_schedule[{index}]." if isinstance(raw_lines, list) else ""
        for error in reader.errors:
            row.fail(where + error)
        entries.append(entry)
    record = Contract(
        contract_id=code,
        payer_id=row.required("payer_id"),
        fee_schedule=tuple(entries),
        percent_of_schedule=row.decimal("percent_of_schedule", "1", minimum=Decimal(0)),
        tolerance=row.decimal("tolerance", "0", minimum=Decimal(0)),
        effective=_effective(row, checks),
    )
    return record, code


def patient(row: RowReader, checks: CodeChecks) -> Built:
    """A registration row: the patient and, when ``payer_id`` is given, one coverage (CSV: one row per
    coverage, grouped by MRN; JSON: a ``coverages`` list)."""
    address = Address(row.text("address_line1"), row.text("city"), row.text("state"), row.text("postal_code"))
    record = Patient(
        mrn=row.required("mrn"),
        family_name=row.text("family_name"),
        given_name=row.text("given_name"),
        birth_date=row.day("birth_date"),
        sex=row.choice("sex", Sex, Sex.UNKNOWN),
        account=row.text("account"),
        address=address if any((address.line1, address.city, address.state, address.postal_code)) else None,
        phone=row.text("phone"),
        assigning_authority=row.text("assigning_authority"),
    )
    raw = row.data.get("coverages")
    sources = raw if isinstance(raw, list) else ([row.data] if row.text("payer_id") else [])
    coverages = []
    for index, source in enumerate(sources, start=1):
        reader = RowReader(source if isinstance(source, Mapping) else {})
        rank = reader.integer("rank", minimum=1) or 1
        if rank > 3:
            reader.fail("rank: must be 1, 2 or 3")
        coverage = Coverage(
            payer_id=reader.required("payer_id"),
            member_id=reader.required("member_id"),
            rank=CoverageRank(min(rank, 3)),
            group_number=reader.text("group_number"),
            plan_name=reader.text("plan_name"),
            subscriber_name=reader.text("subscriber_name"),
            relationship=reader.text("relationship"),
            effective=Effective(reader.day("coverage_start"), reader.day("coverage_end")),
        )
        where = f"coverages[{index}]." if isinstance(raw, list) else ""
        for error in reader.errors:
            row.fail(where + error)
        coverages.append(coverage)
    return PatientRegistration(record, tuple(coverages)), None


BUILDERS: dict[str, Builder] = {
    "payer": payer,
    "payer_class": payer_class,
    "provider": provider,
    "facility": facility,
    "department": department,
    "contract": contract,
    "gl_account": gl_account,
    "patient": patient,
}
