"""A tiny line format for store and worker tests: ``T|partition|control|action|value``.

Actions: ``charge`` (one charge of ``value`` dollars for the partition's patient), ``transient``
(the handler raises a transient error ``value`` times, then succeeds), ``permanent`` (a permanent
error), ``bug`` (a handler bug), ``unreadable`` (parse fails).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from revcycle.adapters.formats.base import Envelope, MappingError, UnreadableMessage
from revcycle.domain import commands as c
from revcycle.domain.charges import Charge
from revcycle.service_layer.errors import PermanentError, TransientError
from revcycle.service_layer.handlers import HANDLERS
from revcycle.service_layer.messagebus import MessageBus
from revcycle.service_layer.ports import MessageContext, UnitOfWork


@dataclass(frozen=True)
class Flaky(c.Command):
    key: str
    failures: int


@dataclass(frozen=True)
class Fatal(c.Command):
    bug: bool


class FakeFormat:
    name = "fake"

    def identify(self, raw: bytes) -> Envelope:
        parts = raw.decode(errors="replace").split("|")
        if len(parts) != 5 or parts[0] != "T":
            raise UnreadableMessage("not a T line")
        return Envelope("fake", f"T_{parts[3]}", control_id=parts[2], sender="tests", partition_key=parts[1])

    def parse(self, raw: bytes) -> list[str]:
        parts = raw.decode().split("|")
        if parts[3] == "unreadable":
            raise UnreadableMessage("deliberately unreadable")
        return parts

    def to_commands(self, parsed: list[str], envelope: Envelope) -> list[c.Command]:
        _, partition, control, action, value = parsed
        if action == "charge":
            charge = Charge(
                transaction_id=control,
                patient_key=f"|{partition}",
                visit_number="V1",
                service_date=date(2026, 1, 2),
                procedure_code=f"9921{value[-1]}",
                amount=Decimal(value),
            )
            return [c.CaptureCharges(patient_key=f"|{partition}", charges=(charge,))]
        if action == "transient":
            return [Flaky(control, int(value))]
        if action in ("permanent", "bug"):
            return [Fatal(bug=action == "bug")]
        if action == "unmappable":
            raise MappingError("field 4 missing")
        return []


class FakeRegistry:
    def __init__(self) -> None:
        self.format = FakeFormat()

    def adapter(self, name: str) -> FakeFormat:
        return self.format

    def identify(self, raw: bytes) -> Envelope:
        return self.format.identify(raw)


def fake_bus(calls: Counter[str]) -> MessageBus:
    def flaky(cmd: Flaky, uow: UnitOfWork, ctx: MessageContext) -> None:
        calls[cmd.key] += 1
        if calls[cmd.key] <= cmd.failures:
            raise TransientError("downstream busy")

    def fatal(cmd: Fatal, uow: UnitOfWork, ctx: MessageContext) -> None:
        if cmd.bug:
            raise KeyError("a programming error")
        raise PermanentError("cannot be done", code="refused")

    return MessageBus({**HANDLERS, Flaky: flaky, Fatal: fatal})
