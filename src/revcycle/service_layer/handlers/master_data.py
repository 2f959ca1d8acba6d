"""ERP master data: effective-dated upserts of payers, providers, facilities, departments, contracts."""

from __future__ import annotations

from typing import Any

import msgspec

from revcycle.domain import commands as c
from revcycle.domain.master_data import Contract, Department, Facility, Payer, Provider
from revcycle.service_layer.ports import MessageContext, UnitOfWork


def _code(record: c.MasterRecord) -> str:
    match record:
        case Payer():
            return record.payer_id
        case Provider():
            return record.npi
        case Facility() | Department():
            return record.code
        case Contract():
            return record.contract_id


def upsert_master_data(cmd: c.UpsertMasterData, uow: UnitOfWork, ctx: MessageContext) -> None:
    for record in cmd.records:
        data: dict[str, Any] = msgspec.to_builtins(record)
        uow.master_data.upsert(
            cmd.kind, _code(record), record.effective.start, record.effective.end, data, ctx
        )
