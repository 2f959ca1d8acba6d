"""Canonical commands, findings and alerts: shape and immutability."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from datetime import datetime
from decimal import Decimal

import pytest

from revcycle.domain import commands
from revcycle.domain.charges import Charge
from revcycle.domain.commands import (
    CaptureCharges,
    Command,
    DischargePatient,
    MasterRecord,
    RecordRemittance,
    UpsertMasterData,
)
from revcycle.domain.findings import Alert, AlertStatus, Finding, FindingStatus, FindingType, Severity
from revcycle.domain.master_data import (
    Contract,
    Department,
    Facility,
    GlAccount,
    Payer,
    PayerClassDefinition,
    Provider,
)
from revcycle.domain.master_loads import PatientRegistration
from revcycle.domain.remittances import Remittance


def _command_classes() -> list[type]:
    return [
        obj
        for _, obj in inspect.getmembers(commands, inspect.isclass)
        if issubclass(obj, Command) and obj is not Command and obj.__module__ == commands.__name__
    ]


def test_there_are_commands() -> None:
    names = {cls.__name__ for cls in _command_classes()}
    assert {
        "RegisterPatient",
        "CaptureCharges",
        "SubmitClaim",
        "RecordRemittance",
        "UpsertMasterData",
    } <= names


@pytest.mark.parametrize("cls", _command_classes(), ids=lambda c: c.__name__)
def test_commands_are_frozen_slotted_dataclasses(cls: type) -> None:
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert hasattr(cls, "__slots__")


def test_a_command_cannot_be_mutated() -> None:
    command = DischargePatient(patient_key="HOSP|1", visit_number="V1", discharged_at=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.visit_number = "V2"  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        command.extra = 1  # type: ignore[attr-defined]


def test_commands_carry_domain_objects() -> None:
    charge = Charge(transaction_id="T1", patient_key="k", visit_number="V1", service_date=None)
    capture = CaptureCharges(patient_key="k", charges=(charge,), visit_number="V1")
    assert capture.charges[0] is charge
    assert capture.patient is None
    remittance = RecordRemittance(Remittance("TRN1", "P", Decimal("0")))
    assert isinstance(remittance, Command)


def test_master_record_union_lists_every_kind() -> None:
    assert set(typing.get_args(MasterRecord)) == {
        Payer,
        Provider,
        Facility,
        Department,
        Contract,
        PayerClassDefinition,
        GlAccount,
        PatientRegistration,
    }
    batch = UpsertMasterData(kind="payer", records=(Payer("P1", "Payer One"),))
    assert batch.records[0].payer_id == "P1"  # type: ignore[union-attr]


def test_finding_defaults() -> None:
    finding = Finding(
        type=FindingType.DUPLICATE_CHARGE,
        severity=Severity.MEDIUM,
        subject_kind="charge",
        subject_id="T1",
        summary="duplicate of T0 (99213, 2024-04-02)",
        key="dup:T0:T1",
    )
    assert finding.status is FindingStatus.OPEN
    assert finding.details == {}
    assert finding.correlation_id is None
    other = Finding(FindingType.DENIAL, Severity.HIGH, "claim", "PCN1", "s", "k")
    assert other.details is not finding.details  # no shared mutable default


def test_severity_orders_by_urgency() -> None:
    assert Severity.INFO < Severity.LOW < Severity.MEDIUM < Severity.HIGH < Severity.CRITICAL
    assert max([Severity.LOW, Severity.CRITICAL, Severity.MEDIUM]) is Severity.CRITICAL


def test_finding_type_values_are_unique_snake_case() -> None:
    values = [t.value for t in FindingType]
    assert len(values) == len(set(values))
    assert all(v == v.lower() and " " not in v for v in values)


def test_alert_defaults_and_lifecycle_fields() -> None:
    alert = Alert(
        rule="denial_rate",
        key="payer:P1",
        severity=Severity.HIGH,
        summary="denials up",
        opened_at=datetime(2024, 5, 1),
    )
    assert alert.status is AlertStatus.OPEN
    assert alert.acknowledged_by is None
    assert alert.resolved_at is None
    alert.status = AlertStatus.ACKNOWLEDGED
    assert alert.status is AlertStatus.ACKNOWLEDGED
