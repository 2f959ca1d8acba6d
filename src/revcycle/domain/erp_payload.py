"""What is sent to the ERP: a journal as codes and amounts only. PHI-free by construction.

``ErpJournal`` and ``ErpLine`` have no field that could hold a name, a birth date, an MRN, a member id,
an address or free text: every text field is a *code* (``CODE``: letters, digits and ``_.:/-``, at most
64 characters, so no spaces, commas or ``^`` separators that names and addresses need), amounts are
decimal strings, and the only date is the posting date. References back to claims, remittances and
messages stay in our store (``erp_items``), keyed by the journal's idempotency key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from revcycle.domain.errors import DomainError
from revcycle.domain.journals import JournalEntry

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")
AMOUNT = re.compile(r"^\d{1,12}\.\d{2}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PERIOD = re.compile(r"^\d{4}-\d{2}$")


class PayloadError(DomainError):
    """A value that does not fit the PHI-free ERP payload."""


def _check(owner: object, patterns: dict[str, re.Pattern[str]]) -> None:
    for f in fields(owner):  # type: ignore[arg-type]
        value = getattr(owner, f.name)
        pattern = patterns.get(f.name, CODE)
        if value is None or isinstance(value, (int, tuple)):
            continue
        if not isinstance(value, str) or not pattern.match(value):
            raise PayloadError(f"ERP payload field {f.name} is not a {pattern.pattern} value")


@dataclass(frozen=True, slots=True)
class ErpLine:
    line: int
    account: str
    debit: str
    credit: str
    cost_centre: str | None = None
    legal_entity: str | None = None
    dimension: str | None = None

    def __post_init__(self) -> None:
        _check(self, {"debit": AMOUNT, "credit": AMOUNT})


@dataclass(frozen=True, slots=True)
class ErpJournal:
    key: str
    kind: str
    posting_date: str
    period: str
    currency: str
    legal_entity: str
    debit_total: str
    credit_total: str
    lines: tuple[ErpLine, ...]
    facility: str | None = None
    payer_class: str | None = None
    service_line: str | None = None

    def __post_init__(self) -> None:
        _check(
            self,
            {"posting_date": DAY, "period": PERIOD, "debit_total": AMOUNT, "credit_total": AMOUNT},
        )
        if self.debit_total != self.credit_total:
            raise PayloadError("ERP journal does not balance")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "lines"}
        out["lines"] = [{f.name: getattr(line, f.name) for f in fields(line)} for line in self.lines]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErpJournal:
        values = dict(data)
        values["lines"] = tuple(ErpLine(**line) for line in values.get("lines", ()))
        return cls(**values)


def payload_of(
    entry: JournalEntry,
    *,
    legal_entity: str,
    facility: str | None = None,
    payer_class: str | None = None,
    service_line: str | None = None,
) -> ErpJournal:
    """The ERP payload of a balanced entry."""
    return ErpJournal(
        key=entry.key,
        kind=entry.kind.value,
        posting_date=entry.posting_date.isoformat(),
        period=entry.period,
        currency=entry.currency,
        legal_entity=legal_entity,
        debit_total=str(entry.debits),
        credit_total=str(entry.credits),
        facility=facility,
        payer_class=payer_class,
        service_line=service_line,
        lines=tuple(
            ErpLine(
                line=number,
                account=line.account,
                debit=str(line.debit),
                credit=str(line.credit),
                cost_centre=line.cost_centre,
                legal_entity=line.legal_entity,
                dimension=line.dimension,
            )
            for number, line in enumerate(entry.lines, start=1)
        ),
    )
