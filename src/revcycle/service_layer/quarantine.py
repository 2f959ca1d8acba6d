"""Quarantine of items that reference unknown master data, and their automatic replay.

The seam is the worker, between mapping and handling: ``QuarantineGate.admit`` looks at a message's
canonical commands before any handler runs (``domain.master_refs.references``). A command (an encounter,
a visit's charges, an appointment, one claim of an 837) that names a payer, provider, facility or
department not known on its date of service is held: it is not applied, it is not dropped, and one
UNMAPPED_MASTER_DATA finding per (item, kind, code) names what is missing. The message's other commands
are applied as usual (one claim with an unknown payer does not hold up the other claims of its 837).
A message whose every command is held has the inbound-log status ``quarantined``. Handlers know
nothing of quarantine; replay is processing the message again, in log order, with its correlation id.

``release`` runs in the master-data handler, in the same transaction as the load: every held reference
the load now satisfies (a version valid on the held date) is released, its finding resolves once none
of its references is held any more, and the message is put back in the log (status ``accepted``). The
replay applies only the commands that were held and can now be applied (the rest were applied the
first time); one that still misses something is held again (one never-mapped payer in an 837 does not
keep the claims of a payer that did arrive waiting).

A store that keeps no master data of a kind (no record of it was ever loaded, as in a test that only
ingests HL7 samples, or a site whose ERP does not export it) does not quarantine on that kind: a kind
is checked once it is maintained. ``REVCYCLE_QUARANTINE_UNMAPPED=false`` turns the gate off;
``REVCYCLE_QUARANTINE_WITHOUT_CONTRACT=false`` keeps it but lets claims to a known payer without a
contract through (a site that bills out-of-network payers it keeps no fee schedule for).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from revcycle.domain.commands import Command, UpsertMasterData
from revcycle.domain.findings import FindingType, Severity
from revcycle.domain.master_data import Effective
from revcycle.domain.master_refs import CHECKED_KINDS, MasterRef, references
from revcycle.service_layer.handlers.findings import raise_finding
from revcycle.service_layer.ports import MessageContext, UnitOfWork

# The key a finding's details name the code under (the work queue filters by payer and facility).
_DETAIL_KEYS = {
    "payer": "payer_id",
    "facility": "facility_code",
    "department": "department_code",
    "provider": "npi",
    "contract": "payer_id",
}


def quarantine_kinds(without_contract: bool) -> tuple[str, ...]:
    """The kinds the gate checks: payers, providers, facilities, departments, and contracts when
    claims without a contract are held (``REVCYCLE_QUARANTINE_WITHOUT_CONTRACT``)."""
    return CHECKED_KINDS + (("contract",) if without_contract else ())


@dataclass(frozen=True, slots=True)
class Admission:
    commands: tuple[Command, ...]
    held: bool


def _periods(uow: UnitOfWork, kind: str, code: str) -> list[Effective]:
    """Validity periods of a record; for "contract", of every contract with the payer ``code``."""
    return (
        uow.master_data.contract_periods(code) if kind == "contract" else uow.master_data.periods(kind, code)
    )


def _covers(periods: Iterable[Effective], on: date | None) -> bool:
    return any(on is None or period.covers(on) for period in periods)


def _raise(uow: UnitOfWork, ctx: MessageContext, ref: MasterRef) -> None:
    on = ref.on.isoformat() if ref.on else "any date"
    what = f"no contract (fee schedule) with payer {ref.code}" if ref.kind == "contract" else None
    raise_finding(
        uow,
        ctx,
        FindingType.UNMAPPED_MASTER_DATA,
        Severity.HIGH,
        ref.subject_kind,
        ref.subject_id,
        f"{ref.subject_kind} {ref.subject_id} {what or f'references unknown {ref.kind} {ref.code}'} "
        f"(valid on {on}); held from message {ref.message_id} until it arrives",
        key_suffix=f"{ref.kind}:{ref.code}",
        details={
            "kind": ref.kind,
            "code": ref.code,
            "on": ref.on.isoformat() if ref.on else None,
            "message_id": ref.message_id,
            _DETAIL_KEYS[ref.kind]: ref.code,
        },
    )


class QuarantineGate:
    """Checks references against the master data of the store.

    Known records' validity periods are cached for ``ttl`` seconds (most messages name the same few
    payers, providers and departments), and so is "no record of this kind yet"; a master-data command
    seen by this gate empties the cache of its kind at once, so within one worker a load is seen by the
    very next message. Another worker process's loads are seen within ``ttl``; a record unknown here
    is always read again (never cached).
    """

    def __init__(
        self,
        kinds: Iterable[str] = CHECKED_KINDS,
        *,
        ttl: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kinds = frozenset(kinds)
        self.ttl = ttl
        self.clock = clock
        self._maintained: set[str] = set()  # master data is never deleted: once maintained, always
        self._unmaintained: dict[str, float] = {}  # kind -> when it was last seen without records
        self._periods: dict[tuple[str, str], tuple[float, tuple[Effective, ...]]] = {}

    def admit(
        self, uow: UnitOfWork, message_id: int, commands: Sequence[Command], ctx: MessageContext
    ) -> Admission:
        """The commands to apply now; the others are held, with their findings."""
        for command in commands:
            if isinstance(command, UpsertMasterData):
                self._forget(command.kind)
        if not any(self._checked(uow, ref.kind) for cmd in commands for ref in references(cmd)):
            # Nothing here is checked, so nothing of it was ever held: no replay to look up.
            return Admission(tuple(commands), held=False)
        earlier = uow.quarantine.held_commands(message_id)  # a replay runs only what was held
        candidates = [(i, cmd) for i, cmd in enumerate(commands) if not earlier or i in earlier]
        admitted: list[tuple[int, Command]] = []
        held: list[MasterRef] = []
        for index, command in candidates:
            missing = self._missing(uow, command)
            if missing:
                held.extend(replace(ref, message_id=message_id, command_index=index) for ref in missing)
            else:
                admitted.append((index, command))
        if earlier and admitted:
            uow.quarantine.replayed(message_id, [index for index, _ in admitted], ctx)
        if held:
            for ref in held:
                _raise(uow, ctx, ref)
            uow.quarantine.hold(message_id, held, ctx)
        return Admission(tuple(command for _, command in admitted), bool(held))

    def _missing(self, uow: UnitOfWork, command: Command) -> list[MasterRef]:
        missing: list[MasterRef] = []
        for ref in references(command):
            if ref.kind == "contract" and any(m.kind == "payer" and m.code == ref.code for m in missing):
                continue  # an unknown payer has no contract either: one finding says it
            if self._checked(uow, ref.kind) and not self._known(uow, ref):
                missing.append(ref)
        return missing

    def _known(self, uow: UnitOfWork, ref: MasterRef) -> bool:
        """Is a version of the record valid on the reference's date (``Effective.covers``)?"""
        key = (ref.kind, ref.code)
        now = self.clock()
        cached = self._periods.get(key)
        if cached is None or now - cached[0] > self.ttl:
            periods = tuple(_periods(uow, ref.kind, ref.code))
            if not periods:
                self._periods.pop(key, None)
                return False
            cached = (now, periods)
            self._periods[key] = cached
        return _covers(cached[1], ref.on)

    def _forget(self, kind: str) -> None:
        self._unmaintained.pop(kind, None)
        for key in [k for k in self._periods if k[0] == kind]:
            del self._periods[key]

    def _checked(self, uow: UnitOfWork, kind: str) -> bool:
        return kind in self.kinds and self._is_maintained(uow, kind)

    def _is_maintained(self, uow: UnitOfWork, kind: str) -> bool:
        if kind in self._maintained:
            return True
        seen = self._unmaintained.get(kind)
        if seen is not None and self.clock() - seen <= self.ttl:
            return False
        if uow.master_data.maintained(kind):
            self._maintained.add(kind)
            return True
        self._unmaintained[kind] = self.clock()
        return False


def release(uow: UnitOfWork, kind: str, codes: Sequence[str], ctx: MessageContext) -> list[int]:
    """Release what a load of ``kind`` satisfies (``codes``: the loaded records' codes; for contracts,
    their payers'); returns the ids of the messages put back in the log."""
    if not codes:
        return []
    ready = [
        ref
        for ref in uow.quarantine.held_for(kind, codes)
        if _covers(_periods(uow, ref.kind, ref.code), ref.on)
    ]
    return uow.quarantine.release(ready, ctx) if ready else []
