"""ERP master data (payers, providers, facilities, departments, contracts) as a format adapter.

The wire form the edge stores is JSON: ``{"kind": "payer", "records": [{...}, ...]}``. CSV uploads are
converted to it by ``from_csv`` (one row per record; for contracts, one row per fee-schedule line,
grouped by ``contract_id``). Dates are ISO; ``effective_start`` / ``effective_end`` bound each version.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from revcycle.adapters.formats.base import Envelope, MappingError, UnreadableMessage
from revcycle.domain import commands as c
from revcycle.domain.errors import DomainError
from revcycle.domain.master_data import (
    Contract,
    Department,
    Effective,
    Facility,
    FeeScheduleEntry,
    Payer,
    PayerClass,
    Provider,
)

name = "masterdata"
KINDS = ("payer", "provider", "facility", "department", "contract")


def identify(raw: bytes) -> Envelope:
    document = _load(raw)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return Envelope(format=name, message_type=f"MD_{document['kind'].upper()}", control_id=f"md-{digest}")


def parse(raw: bytes) -> dict[str, Any]:
    return _load(raw)


def to_commands(parsed: dict[str, Any], envelope: Envelope) -> list[c.Command]:
    kind: str = parsed["kind"]
    build = _BUILDERS[kind]
    records = []
    for index, row in enumerate(parsed["records"]):
        try:
            records.append(build(row))
        except (KeyError, ValueError, InvalidOperation, DomainError) as error:
            field = error.args[0] if isinstance(error, KeyError) else type(error).__name__
            raise MappingError(f"{kind} record {index}: missing or invalid field ({field})") from None
    if kind == "contract":
        records = _merge_contracts(records)
    return [c.UpsertMasterData(kind=kind, records=tuple(records))]


def from_csv(kind: str, text: str) -> bytes:
    """A CSV upload as the JSON wire form (the header row names the fields)."""
    if kind not in KINDS:
        raise UnreadableMessage(f"unknown master-data kind {kind!r}; expected one of {', '.join(KINDS)}")
    rows = [dict(row) for row in csv.DictReader(io.StringIO(text))]
    return json.dumps({"kind": kind, "records": rows}).encode()


def _load(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UnreadableMessage("master data is not UTF-8 JSON") from None
    if not isinstance(document, dict) or document.get("kind") not in KINDS:
        raise UnreadableMessage(f'master data needs "kind" (one of {", ".join(KINDS)}) and "records"')
    if not isinstance(document.get("records"), list) or not all(
        isinstance(r, dict) for r in document["records"]
    ):
        raise UnreadableMessage('master data "records" must be a list of objects')
    return document


def _text(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _required(row: Mapping[str, Any], key: str) -> str:
    value = _text(row, key)
    if value is None:
        raise KeyError(key)
    return value


def _day(row: Mapping[str, Any], key: str) -> date | None:
    value = _text(row, key)
    return None if value is None else date.fromisoformat(value)


def _effective(row: Mapping[str, Any]) -> Effective:
    return Effective(_day(row, "effective_start"), _day(row, "effective_end"))


def _payer(row: Mapping[str, Any]) -> Payer:
    days = _text(row, "timely_filing_days")
    return Payer(
        payer_id=_required(row, "payer_id"),
        name=_required(row, "name"),
        payer_class=PayerClass(_text(row, "payer_class") or "other"),
        timely_filing_days=int(days) if days else None,
        effective=_effective(row),
    )


def _provider(row: Mapping[str, Any]) -> Provider:
    return Provider(
        npi=_required(row, "npi"),
        name=_required(row, "name"),
        taxonomy=_text(row, "taxonomy"),
        is_organization=(_text(row, "is_organization") or "").lower() in ("1", "true", "yes", "y"),
        effective=_effective(row),
    )


def _facility(row: Mapping[str, Any]) -> Facility:
    return Facility(
        code=_required(row, "code"),
        name=_required(row, "name"),
        npi=_text(row, "npi"),
        place_of_service=_text(row, "place_of_service"),
        legal_entity=_text(row, "legal_entity"),
        effective=_effective(row),
    )


def _department(row: Mapping[str, Any]) -> Department:
    return Department(
        code=_required(row, "code"),
        name=_required(row, "name"),
        facility_code=_text(row, "facility_code"),
        cost_centre=_text(row, "cost_centre"),
        service_line=_text(row, "service_line"),
        effective=_effective(row),
    )


def _contract(row: Mapping[str, Any]) -> Contract:
    lines: Sequence[Mapping[str, Any]] = row.get("fee_schedule") or (
        [row] if _text(row, "procedure_code") else []
    )
    return Contract(
        contract_id=_required(row, "contract_id"),
        payer_id=_required(row, "payer_id"),
        fee_schedule=tuple(
            FeeScheduleEntry(
                _required(line, "procedure_code"), Decimal(_required(line, "amount")), _text(line, "modifier")
            )
            for line in lines
        ),
        percent_of_schedule=Decimal(_text(row, "percent_of_schedule") or "1"),
        tolerance=Decimal(_text(row, "tolerance") or "0"),
        effective=_effective(row),
    )


def _merge_contracts(records: list[Any]) -> list[Any]:
    """CSV contracts come one fee line per row: fold rows of the same contract and version together."""
    merged: dict[tuple[str, Effective], Contract] = {}
    for record in records:
        key = (record.contract_id, record.effective)
        if key in merged:
            first = merged[key]
            merged[key] = Contract(
                first.contract_id,
                first.payer_id,
                first.fee_schedule + record.fee_schedule,
                first.percent_of_schedule,
                first.tolerance,
                first.effective,
            )
        else:
            merged[key] = record
    return list(merged.values())


_BUILDERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "payer": _payer,
    "provider": _provider,
    "facility": _facility,
    "department": _department,
    "contract": _contract,
}
