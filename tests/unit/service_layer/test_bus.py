"""The message bus and its registry, the fakes' unit-of-work semantics, the worker over the fakes, and
the PHI rule for findings across every handler."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from revcycle.adapters.formats.base import Envelope
from revcycle.domain import commands as c
from revcycle.domain.claims import ClaimStatus, Frequency
from revcycle.domain.findings import Finding, FindingType, Severity
from revcycle.service_layer.errors import PermanentError
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.ports import MessageContext
from tests.unit.service_layer.builders import (
    BIRTH_DATE,
    KEY,
    MEMBER_ID,
    MRN,
    PATIENT,
    PHI_VALUES,
    PRIMARY_COVERAGE,
    PRIOR_KEY,
    T0,
    Harness,
    ack277,
    ack999,
    appointment,
    charge,
    denied,
    encounter,
    paid_in_full,
    phi_leaks,
    remittance,
    reversal_of,
    submit,
)
from tests.unit.service_layer.fakes import FakeStore, FakeUnitOfWork, as_unit_of_work

F = FindingType


@dataclasses.dataclass(frozen=True)
class Unrouted(c.Command):
    note: str = "nobody handles me"


# -- the bus ------------------------------------------------------------------------------------------------


def test_a_command_without_a_handler_is_a_permanent_error(harness: Harness) -> None:
    with pytest.raises(PermanentError) as raised:
        harness.bus.handle(Unrouted(), harness.uow, harness.context())
    assert raised.value.code == "no_handler"
    assert "Unrouted" in raised.value.reason


def test_an_empty_bus_routes_nothing(harness: Harness) -> None:
    with pytest.raises(PermanentError):
        MessageBus({}).handle(submit(), harness.uow, harness.context())
    assert harness.store.claims.all() == []


def test_every_canonical_command_has_a_handler() -> None:
    commands = {
        obj
        for _, obj in inspect.getmembers(c, inspect.isclass)
        if issubclass(obj, c.Command) and obj is not c.Command and obj.__module__ == c.__name__
    }
    assert commands == set(HANDLERS)


def test_the_bus_routes_by_exact_type(harness: Harness) -> None:
    calls: list[tuple[Any, MessageContext]] = []
    bus = MessageBus({c.SubmitClaim: lambda cmd, uow, ctx: calls.append((cmd, ctx))})
    ctx = harness.context()
    command = submit()
    bus.handle(command, harness.uow, ctx)
    assert calls == [(command, ctx)]


def test_a_failing_message_rolls_back_its_earlier_commands(harness: Harness) -> None:
    harness.send(submit("PCN1001"))
    with pytest.raises(PermanentError):
        harness.send(submit("PCN2002"), c.CaptureCharges(KEY, (charge(code=None),)), Unrouted())
    assert [s.claim.patient_control_number for s in harness.store.claims.all()] == ["PCN1001"]
    assert harness.store.charges.all() == []
    assert harness.findings == []
    assert harness.uow.rollbacks == 1


# -- the fakes ------------------------------------------------------------------------------------------------


def test_the_fake_unit_of_work_is_a_unit_of_work() -> None:
    uow = FakeUnitOfWork()
    assert as_unit_of_work(uow) is uow
    assert uow.claims is uow.store.claims and uow.findings is uow.store.findings


def test_savepoints_nest_and_restore_only_their_own_block(harness: Harness) -> None:
    uow, ctx = harness.uow, harness.context()
    with uow.savepoint():
        HANDLERS[c.CaptureCharges](c.CaptureCharges(KEY, (charge("A"),)), uow, ctx)
        with pytest.raises(RuntimeError), uow.savepoint():
            HANDLERS[c.CaptureCharges](c.CaptureCharges(KEY, (charge("A"),)), uow, ctx)
            assert len(harness.store.charges.all()) == 2
            raise RuntimeError("inner block fails")
    assert [ch.transaction_id for ch in harness.store.charges.all()] == ["A"]
    assert harness.findings == []  # the duplicate finding went with the inner block


def test_leaving_a_unit_of_work_without_commit_rolls_back() -> None:
    store = FakeStore()
    ctx = MessageContext("corr-x", T0, T0)
    with FakeUnitOfWork(store) as uow:
        uow.patients.save(PATIENT, None, ctx)
        uow.commit()
        uow.encounters.save(encounter(), ctx)
    assert uow.committed
    assert store.patients.get(KEY) == PATIENT
    assert store.encounters.all() == []
    with FakeUnitOfWork(store) as second:
        second.outbox.add("t", "k", {}, ctx)
    assert not second.committed
    assert store.outbox.all() == []


def test_repositories_hand_out_copies(harness: Harness) -> None:
    harness.send(submit())
    [stored] = harness.store.claims.by_control_number("PCN1001")
    stored.claim.status = ClaimStatus.VOID  # mutated but never saved
    assert harness.store.claims.get(stored.id).status is ClaimStatus.SUBMITTED


def test_findings_are_upserted_by_key(harness: Harness) -> None:
    ctx = harness.context()
    finding = Finding(F.DENIAL, Severity.HIGH, "claim", "1", "claim 1 denied", key="denial:claim:1:T")
    harness.uow.findings.raise_finding(finding, ctx)
    harness.uow.findings.raise_finding(dataclasses.replace(finding, summary="other text"), ctx)
    assert harness.findings == [finding]
    assert harness.store.findings.occurrences(finding.key) == 2


def test_claim_key_is_unique_like_the_schema(harness: Harness) -> None:
    from tests.unit.service_layer.fakes import FakeIntegrityError

    ctx = harness.context()
    harness.uow.claims.add(submit().claim, ctx, group_control=None, transaction_control=None)
    with pytest.raises(FakeIntegrityError):
        harness.uow.claims.add(submit().claim, ctx, group_control=None, transaction_control=None)


def test_inbound_log_keeps_partition_order_behind_a_retry() -> None:
    store = FakeStore()
    log = store.messages
    first = log.append(b"1", received_at=T0, partition_key="A")
    log.append(b"2", received_at=T0, partition_key="A")
    third = log.append(b"3", received_at=T0, partition_key="B")
    log.mark_failed(first.id, 1, T0 + timedelta(seconds=10), "transient", "locked")
    assert [m.id for m in log.fetch_ready(T0, 10)] == [third.id]
    assert [m.id for m in log.fetch_ready(T0 + timedelta(seconds=10), 10)] == [1, 2, 3]
    assert log.fetch_ready(T0 + timedelta(seconds=10), 10)[0].attempts == 1


# -- the worker over the fakes ------------------------------------------------------------------------------


class ScriptedFormat:
    """A format whose raw bytes name a prepared list of commands."""

    name = "scripted"

    def __init__(self, script: dict[str, Sequence[c.Command]]) -> None:
        self.script = script

    def adapter(self, name: str) -> ScriptedFormat:
        return self

    def identify(self, raw: bytes) -> Envelope:
        return Envelope(self.name, "T")

    def parse(self, raw: bytes) -> str:
        return raw.decode()

    def to_commands(self, parsed: Any, envelope: Envelope) -> Sequence[c.Command]:
        return self.script[parsed]


def test_the_worker_applies_each_message_in_its_own_savepoint_and_commits() -> None:
    from revcycle.service_layer.worker import Worker
    from tests.unit.service_layer.fakes import fake_uow_factory

    script: dict[str, Sequence[c.Command]] = {
        "837": [submit("PCN1001")],
        "bad": [submit("PCN2002"), Unrouted()],
        "835": [remittance(paid_in_full("PCN1001"))],
    }
    store = FakeStore()
    for raw in script:
        store.messages.append(raw.encode(), received_at=T0, format="scripted", partition_key="P1")
    worker = Worker(fake_uow_factory(store), ScriptedFormat(script), MessageBus(HANDLERS), clock=lambda: T0)
    assert worker.drain() == 3
    assert [store.messages.status(i) for i in (1, 2, 3)] == ["processed", "dead", "processed"]
    [dead] = store.messages.dead_letters
    assert (dead.message_id, dead.stage, dead.reason_code) == (2, "handle", "no_handler")
    assert [s.claim.patient_control_number for s in store.claims.all()] == ["PCN1001"]
    assert store.claims.get(1).status is ClaimStatus.POSTED
    assert store.claims.timeline(1)[0].message_id == 1


# -- PHI --------------------------------------------------------------------------------------------------------


def test_no_finding_carries_phi(harness: Harness) -> None:
    """Drive every handler into every finding it can raise; no summary, details, key or subject id
    may contain the patients' names, MRNs, member ids, accounts, phones or birth dates."""
    h = harness
    h.send(c.RegisterPatient(PATIENT, (PRIMARY_COVERAGE,), encounter()))
    h.send(c.CaptureCharges(KEY, (charge("A"), charge("A"), charge("B", code=None)), "V5001", PATIENT))
    h.send(submit("PCN1001"))
    h.send(submit("PCN1001"))  # duplicate claim
    h.send(submit("PCN2002", total="1.00"))  # unbalanced
    h.send(ack999("R", "1001", "0001", "IK5-5"))  # rejected by 999 (PCN1001 and PCN2002 share the group)
    h.send(submit("PCN3003", group="2001"))
    h.send(ack277("PCN3003", accepted=False, category="A7", status="562"))
    h.send(ack277("PCN-NONE"))
    h.send(submit("PCN-NONE", frequency=Frequency.VOID))
    h.send(submit("PCN4004", group="3001"))
    h.send(remittance(denied("PCN4004"), trace="T1"))
    h.send(remittance(denied("PCN4004"), trace="T1"))  # duplicate remittance
    h.send(remittance(paid_in_full("PCN-NONE"), trace="T2", amount="1.00"))  # unmatched + unbalanced
    h.send(remittance(reversal_of(paid_in_full("PCN3003")), trace="T3"))  # illegal transition
    h.send(c.DischargePatient(KEY, "V5001", T0), c.CancelAdmit(KEY, "V5001"))
    h.send(c.MergePatients(PATIENT, PRIOR_KEY))
    h.send(c.BookAppointment(appointment(), PATIENT), c.CancelAppointment("APT-9001", KEY, "deleted"))
    h.send(c.CancelAppointment("APT-9001", KEY, "cancelled"))

    raised = {f.type for f in h.findings}
    assert raised >= {
        F.DUPLICATE_CHARGE,
        F.MISSING_CHARGE_CODE,
        F.DUPLICATE_CLAIM,
        F.CLAIM_UNBALANCED,
        F.CLAIM_REJECTED,
        F.UNMATCHED_REMITTANCE,
        F.DENIAL,
        F.DUPLICATE_REMITTANCE,
        F.REMITTANCE_UNBALANCED,
        F.ILLEGAL_TRANSITION,
    }
    assert phi_leaks(h.findings) == []
    for finding in h.findings:
        text = f"{finding.summary} {finding.details}"
        for value in (MRN, PATIENT.family_name, PATIENT.given_name, MEMBER_ID, BIRTH_DATE.isoformat()):
            assert value is not None and value not in text


def test_the_phi_check_itself_catches_a_leak() -> None:
    leaky = Finding(F.DENIAL, Severity.HIGH, "claim", "1", f"claim for {MRN}", key="k", details={"dob": "x"})
    assert phi_leaks([leaky]) == [f"k: {MRN.lower()!r}"]
    assert phi_leaks([dataclasses.replace(leaky, summary="fine", details={"who": PHI_VALUES[1]})])
