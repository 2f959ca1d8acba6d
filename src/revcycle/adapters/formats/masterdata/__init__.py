"""ERP master data as a format adapter: payers and payer classes, providers, facilities, departments /
cost centres, contracts with their fee schedules, the chart of accounts (``gl_account``), and patients'
registration and insurance (``patient``).

The wire form the edge stores is JSON: ``{"kind": "payer", "records": [{...}, ...]}``. CSV uploads are
converted to it by ``from_csv`` (one row per record; contracts one row per fee-schedule line, grouped by
``contract_id`` and effective dates; patients one row per coverage, grouped by MRN). Dates are ISO;
``effective_start`` / ``effective_end`` bound each version (both inclusive, empty = open).

Every row is validated on its own (required fields, dates, numbers, NPI check digit, NUCC taxonomy,
place of service, an end not before its start): valid rows load, invalid ones are listed in the load's
change report with their reasons. A load in which every row is invalid is a mapping error (a dead
letter that can be edited and replayed).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from revcycle.adapters.formats.base import Envelope, MappingError, UnreadableMessage
from revcycle.adapters.formats.masterdata.builders import BUILDERS
from revcycle.adapters.formats.masterdata.checks import CodeChecks
from revcycle.adapters.formats.masterdata.rows import RowReader
from revcycle.domain import commands as c
from revcycle.domain.master_data import Contract
from revcycle.domain.master_loads import PatientRegistration, RejectedRow

name = "masterdata"
KINDS = tuple(BUILDERS)


def identify(raw: bytes) -> Envelope:
    document = _load(raw)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return Envelope(format=name, message_type=f"MD_{document['kind'].upper()}", control_id=f"md-{digest}")


def parse(raw: bytes) -> dict[str, Any]:
    return _load(raw)


def to_commands(
    parsed: dict[str, Any], envelope: Envelope, checks: CodeChecks | None = None
) -> list[c.Command]:
    kind: str = parsed["kind"]
    build = BUILDERS[kind]
    checks = checks or CodeChecks()
    built: list[tuple[int, Any]] = []
    rejected: list[RejectedRow] = []
    for index, data in enumerate(parsed["records"], start=1):
        row = RowReader(data)
        record, code = build(row, checks)
        if row.errors:
            rejected.append(RejectedRow(index, tuple(row.errors), code or None))
        else:
            built.append((index, record))
    if kind == "contract":
        built = _merge_contracts(built, rejected)
    elif kind == "patient":
        built = _merge_patients(built)
    if rejected and not built:
        shown = "; ".join(f"row {r.row}: {', '.join(r.errors)}" for r in rejected[:5])
        more = f" (and {len(rejected) - 5} more rows)" if len(rejected) > 5 else ""
        raise MappingError(f"{kind} load rejected, no valid row: {shown}{more}")
    return [
        c.UpsertMasterData(
            kind=kind,
            records=tuple(record for _, record in built),
            rejected=tuple(rejected),
            rows=tuple(index for index, _ in built),
        )
    ]


def from_csv(kind: str, text: str) -> bytes:
    """A CSV upload as the JSON wire form (the header row names the fields)."""
    if kind not in KINDS:
        raise UnreadableMessage(f"unknown master-data kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        rows = [dict(row) for row in csv.DictReader(io.StringIO(text))]
    except csv.Error as error:
        raise UnreadableMessage(f"CSV is not readable ({error})") from None
    return json.dumps({"kind": kind, "records": rows}).encode()


def wire(kind: str, records: list[Any]) -> bytes:
    """Records (JSON objects) of one kind as the wire form."""
    return json.dumps({"kind": kind, "records": records}, default=str).encode()


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


def _merge_contracts(built: list[tuple[int, Any]], rejected: list[RejectedRow]) -> list[tuple[int, Any]]:
    """CSV contracts come one fee line per row: fold rows of one contract version together. A version
    with a rejected line is rejected whole (a partial fee schedule would misprice every missing code)."""
    bad = {r.code for r in rejected if r.code}
    merged: dict[tuple[str, Any], tuple[int, Contract]] = {}
    for index, record in built:
        if record.contract_id in bad:
            rejected.append(
                RejectedRow(
                    index, ("another fee-schedule line of this contract was rejected",), record.contract_id
                )
            )
            continue
        key = (record.contract_id, record.effective)
        if key in merged:
            first_index, first = merged[key]
            merged[key] = (
                first_index,
                Contract(
                    first.contract_id,
                    first.payer_id,
                    first.fee_schedule + record.fee_schedule,
                    first.percent_of_schedule,
                    first.tolerance,
                    first.effective,
                ),
            )
        else:
            merged[key] = (index, record)
    rejected.sort(key=lambda r: r.row)
    return list(merged.values())


def _merge_patients(built: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """CSV registrations come one coverage per row: fold rows of one patient together."""
    merged: dict[str, tuple[int, PatientRegistration]] = {}
    for index, record in built:
        key = record.patient.key
        if key in merged:
            first_index, first = merged[key]
            merged[key] = (
                first_index,
                PatientRegistration(first.patient, first.coverages + record.coverages),
            )
        else:
            merged[key] = (index, record)
    return list(merged.values())
