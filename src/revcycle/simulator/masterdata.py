"""ERP master-data exports, in the wire form of ``adapters.formats.masterdata``: JSON
``{"kind": ..., "records": [...]}`` for payers and facilities, CSV (header row of field names; contracts
one row per fee-schedule line) for providers, departments and contracts, as ERP exports usually are.

Effective dating: contract versions carry ``effective_start`` / ``effective_end`` (ISO dates); records
that arrive late (a department or payer the ERP only sends during the run) are sent on their
``mapped_day``; records with ``mapped_day`` None are never sent (unmapped master data).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from revcycle.simulator.emission import Clock
from revcycle.simulator.world import Contract, Department, Facility, Payer, World

CSV_KINDS = frozenset({"provider", "department", "contract"})


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def encode(kind: str, rows: list[dict[str, Any]]) -> tuple[bytes, str]:
    """(payload, file extension) for one master-data upload."""
    if kind in CSV_KINDS:
        return _csv(rows), "csv"
    return json.dumps({"kind": kind, "records": rows}, separators=(",", ":")).encode(), "json"


def payer_rows(payers: list[Payer]) -> list[dict[str, Any]]:
    return [
        {
            "payer_id": p.payer_id,
            "name": p.name,
            "payer_class": p.payer_class,
            "timely_filing_days": p.timely_filing_days or None,
        }
        for p in payers
    ]


def facility_rows(facilities: list[Facility]) -> list[dict[str, Any]]:
    return [
        {
            "code": f.code,
            "name": f.name,
            "npi": f.npi,
            "place_of_service": f.place_of_service,
            "legal_entity": "SYNNET",
        }
        for f in facilities
    ]


def department_rows(departments: list[Department]) -> list[dict[str, Any]]:
    return [
        {
            "code": d.code,
            "name": d.name,
            "facility_code": d.facility,
            "cost_centre": d.cost_centre,
            "service_line": d.service_line,
        }
        for d in departments
    ]


def provider_rows(world: World) -> list[dict[str, Any]]:
    rows = [
        {"npi": f.npi, "name": f.name, "taxonomy": f.taxonomy, "is_organization": "true"}
        for f in world.facilities.values()
    ]
    for staff in world.providers.values():
        rows.extend(
            {
                "npi": p.npi,
                "name": f"{p.family}, {p.given}",
                "taxonomy": p.taxonomy,
                "is_organization": "false",
            }
            for p in staff
        )
    return rows


def contract_rows(contracts: list[Contract], clock: Clock) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for contract in contracts:
        start = clock.iso(contract.start_day) if contract.start_day is not None else ""
        end = clock.iso(contract.end_day) if contract.end_day is not None else ""
        rows.extend(
            {
                "contract_id": contract.contract_id,
                "payer_id": contract.payer_id,
                "procedure_code": code,
                "amount": f"{cents // 100}.{cents % 100:02d}",
                "tolerance": "0.50",
                "effective_start": start,
                "effective_end": end,
            }
            for code, cents in contract.rates.items()
        )
    return rows


def uploads_for_day(world: World, clock: Clock, day: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """The (kind, records) uploads the ERP sends on ``day``: the full load on day 0 (ERP data first),
    late departments and payers on their ``mapped_day``, and a contract renewal five days before it
    takes effect (with the closing of the version it replaces)."""
    uploads: list[tuple[str, list[dict[str, Any]]]] = []
    if day == 0:
        uploads.append(("facility", facility_rows(list(world.facilities.values()))))
        uploads.append(
            ("department", department_rows([d for d in world.departments.values() if d.mapped_day == 0]))
        )
        uploads.append(("provider", provider_rows(world)))
        uploads.append(("payer", payer_rows([p for p in world.payers.values() if p.mapped_day == 0])))
        first = [
            c
            for c in world.contracts
            if (c.start_day is None or c.start_day - 5 <= 0) and world.payers[c.payer_id].mapped_day == 0
        ]
        uploads.append(("contract", contract_rows(first, clock)))
        return uploads
    departments = [d for d in world.departments.values() if d.mapped_day == day]
    if departments:
        uploads.append(("department", department_rows(departments)))
    payers = [p for p in world.payers.values() if p.mapped_day == day and day > 0]
    if payers:
        uploads.append(("payer", payer_rows(payers)))
        late = [c for c in world.contracts if c.payer_id in {p.payer_id for p in payers}]
        uploads.append(("contract", contract_rows(late, clock)))
    renewals = [
        c
        for c in world.contracts
        if c.start_day is not None and c.start_day - 5 == day and world.payers[c.payer_id].mapped_day == 0
    ]
    if renewals:
        replaced = [
            c
            for c in world.contracts
            if c.end_day is not None and any(c.payer_id == r.payer_id for r in renewals)
        ]
        uploads.append(("contract", contract_rows(replaced + renewals, clock)))
    return uploads
