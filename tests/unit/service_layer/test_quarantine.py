"""Quarantine of commands that reference unknown master data, release when it arrives, replay of only
what was held (the gate and the master-data handler over the in-memory fakes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from revcycle.domain import commands as c
from revcycle.domain.findings import FindingStatus, FindingType
from revcycle.domain.master_data import (
    Contract,
    Department,
    Effective,
    Facility,
    FeeScheduleEntry,
    Payer,
    Provider,
)
from revcycle.domain.master_refs import references
from revcycle.service_layer.quarantine import QuarantineGate, quarantine_kinds
from tests.unit.service_layer.builders import PATIENT, T0, Harness, encounter, submit
from tests.unit.service_layer.fakes import FakeMessages

NPI = "1234567893"


@pytest.fixture
def harness() -> Harness:
    h = Harness()
    h.send(c.UpsertMasterData("payer", (Payer("PAYER-A", "Acme"),)))
    h.send(c.UpsertMasterData("provider", (Provider(NPI, "Dr. A"),)))
    h.send(c.UpsertMasterData("facility", (Facility("FAC1", "Main"),)))
    return h


def admit(h: Harness, gate: QuarantineGate, message_id: int, *commands: c.Command) -> tuple[c.Command, ...]:
    """What the worker does: ask the gate, then handle what it admits, in one savepoint."""
    ctx = replace(h.context(), message_id=message_id)
    with h.uow.savepoint():
        admission = gate.admit(h.uow, message_id, commands, ctx)
        for command in admission.commands:
            h.bus.handle(command, h.uow, ctx)
    return admission.commands


def load(h: Harness, gate: QuarantineGate, *records: c.MasterRecord) -> None:
    """A master-data load through the gate and the handler, as the worker runs it."""
    kind = {Payer: "payer", Department: "department", Contract: "contract"}[type(records[0])]
    admit(h, gate, log_message(h), c.UpsertMasterData(kind, records))


def log_message(h: Harness) -> int:
    messages: FakeMessages = h.store.messages
    return messages.append(b"x", received_at=T0).id


def test_a_claim_to_an_unknown_payer_is_held_and_the_other_claims_go_on(harness: Harness) -> None:
    gate = QuarantineGate()
    message = log_message(harness)
    known, unknown = submit("PCN1"), submit("PCN2", payer_id="PAYER-Z")
    applied = admit(harness, gate, message, known, unknown)
    assert applied == (known,)
    assert harness.claims("PCN1") and not harness.claims("PCN2")
    [finding] = harness.of_type(FindingType.UNMAPPED_MASTER_DATA)
    assert (finding.subject_kind, finding.subject_id) == ("claim", "PCN2")
    assert finding.details == {
        "kind": "payer",
        "code": "PAYER-Z",
        "on": "2026-02-16",
        "message_id": message,
        "payer_id": "PAYER-Z",
    }
    assert "PAYER-Z" in finding.summary and finding.status is FindingStatus.OPEN
    [held] = harness.store.quarantine.held()
    assert (held.message_id, held.command_index) == (message, 1)


def test_the_missing_payer_arriving_releases_the_claim_and_its_replay_applies_only_it(
    harness: Harness,
) -> None:
    gate = QuarantineGate()
    message = log_message(harness)
    commands = (submit("PCN1"), submit("PCN2", payer_id="PAYER-Z"))
    admit(harness, gate, message, *commands)
    load(harness, gate, Payer("PAYER-Z", "Zeta"))
    assert harness.store.messages.status(message) == "accepted"  # back in the log
    [finding] = harness.of_type(FindingType.UNMAPPED_MASTER_DATA)
    assert harness.store.findings.status(finding.key) is FindingStatus.RESOLVED
    replayed = admit(harness, gate, message, *commands)
    assert replayed == (commands[1],)  # the first claim is not applied twice
    assert len(harness.claims("PCN1")) == 1 and len(harness.claims("PCN2")) == 1


def test_a_version_not_valid_on_the_date_of_service_does_not_release(harness: Harness) -> None:
    gate = QuarantineGate()
    message = log_message(harness)
    admit(harness, gate, message, submit("PCN2", payer_id="PAYER-Z"))
    later = Payer("PAYER-Z", "Zeta", effective=Effective(date(2026, 3, 1)))
    load(harness, gate, later)
    assert len(harness.store.quarantine.held()) == 1
    assert harness.store.messages.status(message) == "quarantined"
    earlier = Payer("PAYER-Z", "Zeta", effective=Effective(date(2026, 1, 1), date(2026, 2, 28)))
    load(harness, gate, earlier)
    assert harness.store.quarantine.held() == []


def test_a_kind_nobody_loads_is_not_checked() -> None:
    h = Harness()  # no master data at all: nothing is quarantined
    gate = QuarantineGate()
    message = log_message(h)
    command = c.AdmitPatient(patient=PATIENT, encounter=replace(encounter(), department_code="NOPE"))
    assert admit(h, gate, message, command) == (command,)
    load(h, gate, Department("CARD", "Cardiology"))
    second = log_message(h)
    assert admit(h, gate, second, command) == ()  # departments are maintained now
    [finding] = h.of_type(FindingType.UNMAPPED_MASTER_DATA)
    assert (finding.subject_kind, finding.subject_id, finding.details["department_code"]) == (
        "encounter",
        "V5001",
        "NOPE",
    )


def test_references_name_the_item_kind_code_and_date() -> None:
    refs = references(c.AdmitPatient(patient=PATIENT, encounter=replace(encounter(), department_code="D1")))
    assert [(r.kind, r.code, r.on, r.subject_kind) for r in refs] == [
        ("facility", "FAC1", T0.date(), "encounter"),
        ("department", "D1", T0.date(), "encounter"),
        ("provider", NPI, T0.date(), "encounter"),
    ]
    claim_refs = references(submit("PCN7"))
    assert [(r.kind, r.code, r.subject_id) for r in claim_refs] == [
        ("payer", "PAYER-A", "PCN7"),
        ("contract", "PAYER-A", "PCN7"),
        ("provider", NPI, "PCN7"),
    ]
    assert references(c.CancelAppointment("A1", "k", "cancelled")) == []


def test_a_resolved_finding_reopens_when_the_replay_is_held_again(harness: Harness) -> None:
    gate = QuarantineGate()
    message = log_message(harness)
    held = submit("PCN2", payer_id="PAYER-Z")
    admit(harness, gate, message, held)
    load(harness, gate, Payer("PAYER-Z", "Zeta"))
    [finding] = harness.of_type(FindingType.UNMAPPED_MASTER_DATA)
    assert harness.store.findings.status(finding.key) is FindingStatus.RESOLVED
    # before the replay runs, the ERP closes that version before the date of service
    closed = Payer("PAYER-Z", "Zeta", effective=Effective(None, date(2026, 1, 31)))
    load(harness, gate, closed)
    assert admit(harness, gate, message, held) == ()
    assert harness.store.findings.status(finding.key) is FindingStatus.OPEN
    assert harness.store.findings.occurrences(finding.key) == 2


def test_a_command_applied_by_one_replay_is_not_applied_again_by_the_next(harness: Harness) -> None:
    gate = QuarantineGate()
    message = log_message(harness)
    x, y = submit("PCN1", payer_id="PAYER-X"), submit("PCN2", payer_id="PAYER-Y")
    assert admit(harness, gate, message, x, y) == ()
    assert harness.store.messages.status(message) == "quarantined"
    load(harness, gate, Payer("PAYER-X", "X"))
    assert harness.store.messages.status(message) == "accepted"  # PCN1 need not wait for PAYER-Y
    assert admit(harness, gate, message, x, y) == (x,)  # the replay holds PCN2 again
    load(harness, gate, Payer("PAYER-Y", "Y"))
    assert admit(harness, gate, message, x, y) == (y,)  # PCN1 is not applied a second time
    assert len(harness.claims("PCN1")) == 1 and len(harness.claims("PCN2")) == 1
    assert harness.store.quarantine.held() == []
    statuses = {
        f.subject_id: harness.store.findings.status(f.key)
        for f in harness.of_type(FindingType.UNMAPPED_MASTER_DATA)
    }
    assert statuses == {"PCN1": FindingStatus.RESOLVED, "PCN2": FindingStatus.RESOLVED}


def test_known_records_are_cached_until_a_load_of_their_kind_or_the_ttl() -> None:
    h = Harness()
    h.send(c.UpsertMasterData("payer", (Payer("PAYER-A", "Acme"),)))
    now = [0.0]
    gate = QuarantineGate(ttl=5.0, clock=lambda: now[0])
    assert admit(h, gate, log_message(h), submit("PCN1")) != ()  # PAYER-A known, now cached
    # another worker closes PAYER-A before the date of service: this gate sees it after the ttl
    h.send(
        c.UpsertMasterData("payer", (Payer("PAYER-A", "Acme", effective=Effective(None, date(2026, 1, 1))),))
    )
    assert admit(h, gate, log_message(h), submit("PCN2")) != ()
    now[0] = 6.0
    assert admit(h, gate, log_message(h), submit("PCN3")) == ()
    # a load this gate sees empties the cache of its kind at once
    load(h, gate, Payer("PAYER-A", "Acme"))
    assert admit(h, gate, log_message(h), submit("PCN4")) != ()
    load(h, gate, Payer("PAYER-A", "Acme", effective=Effective(None, date(2026, 1, 1))))
    assert admit(h, gate, log_message(h), submit("PCN5")) == ()


def contract(payer: str, start: date | None = None, end: date | None = None) -> Contract:
    return Contract(
        f"K-{payer}-{start}",
        payer,
        (FeeScheduleEntry("99214", Decimal("100")),),
        effective=Effective(start, end),
    )


def test_with_contracts_loaded_a_claim_needs_a_contract_with_its_payer_on_its_date(harness: Harness) -> None:
    gate = QuarantineGate(quarantine_kinds(without_contract=True))
    load(harness, gate, contract("PAYER-B"))  # contracts are maintained now; PAYER-A has none
    message = log_message(harness)
    assert admit(harness, gate, message, submit("PCN1")) == ()
    [finding] = harness.of_type(FindingType.UNMAPPED_MASTER_DATA)
    assert finding.details["kind"] == "contract" and finding.details["payer_id"] == "PAYER-A"
    assert "no contract (fee schedule) with payer PAYER-A" in finding.summary
    load(harness, gate, contract("PAYER-A", date(2026, 3, 1)))  # not yet valid on 2026-02-16
    assert harness.store.messages.status(message) == "quarantined"
    load(harness, gate, contract("PAYER-A", date(2026, 1, 1), date(2026, 2, 28)))
    assert harness.store.messages.status(message) == "accepted"
    assert harness.store.findings.status(finding.key) is FindingStatus.RESOLVED
    assert admit(harness, gate, message, submit("PCN1")) != ()


def test_an_unknown_payer_is_one_finding_not_two(harness: Harness) -> None:
    gate = QuarantineGate(quarantine_kinds(without_contract=True))
    load(harness, gate, contract("PAYER-A"))
    assert admit(harness, gate, log_message(harness), submit("PCN1", payer_id="PAYER-Z")) == ()
    assert [f.details["kind"] for f in harness.of_type(FindingType.UNMAPPED_MASTER_DATA)] == ["payer"]


def test_claims_without_a_contract_pass_when_the_setting_is_off(harness: Harness) -> None:
    gate = QuarantineGate(quarantine_kinds(without_contract=False))
    load(harness, gate, contract("PAYER-B"))
    assert admit(harness, gate, log_message(harness), submit("PCN1")) != ()


def test_a_kind_first_loaded_by_another_worker_is_checked_after_the_ttl() -> None:
    h = Harness()
    now = [0.0]
    gate = QuarantineGate(ttl=5.0, clock=lambda: now[0])
    visit = c.AdmitPatient(patient=PATIENT, encounter=replace(encounter(), department_code="NOPE"))
    assert admit(h, gate, log_message(h), visit) == (visit,)  # no departments anywhere yet
    h.send(c.UpsertMasterData("department", (Department("CARD", "Cardiology"),)))  # another worker
    assert admit(h, gate, log_message(h), visit) == (visit,)  # within the ttl: not seen yet
    now[0] = 6.0
    assert admit(h, gate, log_message(h), visit) == ()
