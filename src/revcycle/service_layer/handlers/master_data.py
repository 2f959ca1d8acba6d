"""ERP master data: effective-dated upserts of every kind, the load's change report, and the release of
messages quarantined for want of what the load brings (``service_layer.quarantine``)."""

from __future__ import annotations

from typing import Any

import msgspec

from revcycle.domain import commands as c
from revcycle.domain.master_data import (
    Contract,
    Department,
    Facility,
    GlAccount,
    Payer,
    PayerClassDefinition,
    Provider,
)
from revcycle.domain.master_loads import LoadReport, PatientRegistration, VersionChange, changed_fields
from revcycle.service_layer import quarantine
from revcycle.service_layer.ports import MessageContext, UnitOfWork


def _code(record: c.MasterRecord) -> str:
    match record:
        case Payer():
            return record.payer_id
        case Provider():
            return record.npi
        case Facility() | Department() | PayerClassDefinition():
            return record.code
        case Contract():
            return record.contract_id
        case GlAccount():
            return record.account
        case PatientRegistration():
            return record.patient.key


def _register(record: PatientRegistration, uow: UnitOfWork, ctx: MessageContext) -> VersionChange:
    """A registration row: compared with the stored patient and coverages, saved when different."""
    stored = uow.patients.get(record.patient.key)
    new = {"patient": msgspec.to_builtins(record.patient), "coverages": msgspec.to_builtins(record.coverages)}
    old = None
    if stored is not None:
        coverages = uow.patients.coverages(record.patient.key)
        old = {"patient": msgspec.to_builtins(stored), "coverages": msgspec.to_builtins(coverages)}
    change = changed_fields(_flat(old), _flat(new) or {})
    if change.fields or stored is None:
        uow.patients.save(record.patient, record.coverages, ctx)
    return change


def _flat(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Patient fields by name, coverages as one field (the report names fields, never values)."""
    if value is None:
        return None
    return {**value["patient"], "coverages": value["coverages"]}


def upsert_master_data(cmd: c.UpsertMasterData, uow: UnitOfWork, ctx: MessageContext) -> None:
    report = LoadReport(kind=cmd.kind, rows=len(cmd.records) + len(cmd.rejected), rejected=list(cmd.rejected))
    rows = cmd.rows or tuple(range(1, len(cmd.records) + 1))
    codes: list[str] = []
    for row, record in zip(rows, cmd.records, strict=True):
        if isinstance(record, PatientRegistration):
            report.record(row, None, None, _register(record, uow, ctx))
            continue
        code = _code(record)
        data: dict[str, Any] = msgspec.to_builtins(record)
        change = uow.master_data.upsert(
            cmd.kind, code, record.effective.start, record.effective.end, data, ctx
        )
        report.record(row, code, record.effective.start, change)
        codes.append(record.payer_id if isinstance(record, Contract) else code)  # contracts: by payer
    uow.master_loads.record(report, ctx)
    quarantine.release(uow, cmd.kind, codes, ctx)
