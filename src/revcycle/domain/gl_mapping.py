"""General-ledger mapping: which account, cost centre and legal entity a transaction posts to.

A mapping is a list of rules. A rule matches on any of five keys (facility, department, payer class,
service line, transaction type; a key left out, or ``"*"``, matches anything) and gives any of the
outputs (debit account, credit account, cost centre, legal entity). Each output is resolved on its own:
the most specific matching rule that gives it wins, where specificity compares the keys in the order
transaction, department, facility, service line, payer class (a rule naming the department beats one
naming only the facility). Two rules with the same keys giving the same output are ambiguous and
rejected when the mapping is built; a transaction for which an output cannot be resolved is a *gap*:
it is quarantined, not posted, until the mapping is fixed.

Reversals are not mapped on their own: a reversal posts to the accounts of the transaction it
reverses, debit and credit swapped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from revcycle.domain.errors import DomainError
from revcycle.domain.journals import JournalKind

TRANSACTION_TYPES = tuple(k for k in JournalKind if k is not JournalKind.REVERSAL)
MATCH_KEYS = ("transaction", "department", "facility", "service_line", "payer_class")
OUTPUTS = ("debit", "credit", "cost_centre", "legal_entity")
ANY = "*"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,39}$")


class GlMappingError(DomainError):
    """An invalid GL mapping; ``problems`` lists every problem found (rule number and what is wrong)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Dimensions:
    """What a transaction is about, as codes (never patient data)."""

    facility: str | None = None
    department: str | None = None
    payer_class: str | None = None
    service_line: str | None = None

    def value(self, key: str, transaction: str) -> str | None:
        return transaction if key == "transaction" else getattr(self, key)


@dataclass(frozen=True, slots=True)
class GlRule:
    match: tuple[tuple[str, str], ...]  # (key, value) pairs, wildcards left out
    outputs: tuple[tuple[str, str], ...]  # (output, code) pairs
    number: int = 0  # position in the file, for messages

    def matches(self, dims: Dimensions, transaction: str) -> bool:
        return all(dims.value(key, transaction) == value for key, value in self.match)

    @property
    def specificity(self) -> tuple[bool, ...]:
        named = {key for key, _ in self.match}
        return tuple(key in named for key in MATCH_KEYS)

    def output(self, name: str) -> str | None:
        return dict(self.outputs).get(name)


@dataclass(frozen=True, slots=True)
class GlTarget:
    debit: str
    credit: str
    cost_centre: str
    legal_entity: str


@dataclass(frozen=True, slots=True)
class GlGap:
    """What could not be resolved for a transaction (output names), e.g. ("debit", "cost_centre")."""

    transaction: str
    dims: Dimensions
    missing: tuple[str, ...]

    @property
    def reason(self) -> str:
        where = ", ".join(f"{k}={getattr(self.dims, k) or '-'}" for k in MATCH_KEYS[1:])
        return f"no GL {'/'.join(self.missing)} for {self.transaction} ({where})"


def rule_from(number: int, raw: Mapping[str, object]) -> tuple[GlRule | None, list[str]]:
    """One rule from its file form (a table of strings); returns the rule or the problems found."""
    problems: list[str] = []
    match: list[tuple[str, str]] = []
    outputs: list[tuple[str, str]] = []
    for key, value in raw.items():
        if key not in MATCH_KEYS and key not in OUTPUTS:
            problems.append(f"rule {number}: unknown key {key!r} (keys: {', '.join(MATCH_KEYS + OUTPUTS)})")
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"rule {number}: {key} must be a non-empty string")
            continue
        value = value.strip()
        if key in MATCH_KEYS:
            if key == "transaction" and value != ANY and value not in TRANSACTION_TYPES:
                kinds = ", ".join(TRANSACTION_TYPES)
                problems.append(f"rule {number}: transaction {value!r} is not one of {kinds}")
            elif value != ANY:
                match.append((key, value))
        elif not CODE.match(value):
            problems.append(f"rule {number}: {key} {value!r} is not a code (letters, digits, _.:/-; max 40)")
        else:
            outputs.append((key, value))
    if not outputs and not problems:
        problems.append(f"rule {number}: gives none of {', '.join(OUTPUTS)}")
    if problems:
        return None, problems
    return GlRule(tuple(sorted(match)), tuple(outputs), number), []


class GlMapping:
    """Validated rules; ``resolve`` gives a target or the gap."""

    def __init__(self, rules: Iterable[GlRule]) -> None:
        self.rules = tuple(rules)
        problems: list[str] = []
        seen: dict[tuple[object, str], int] = {}
        for rule in self.rules:
            for name, _ in rule.outputs:
                other = seen.setdefault((rule.match, name), rule.number)
                if other != rule.number:
                    problems.append(f"rule {rule.number}: same keys as rule {other} and both give {name}")
        if problems:
            raise GlMappingError(problems)
        # Most specific first, so the first rule that matches and gives an output is the one.
        self._ordered = sorted(self.rules, key=lambda r: r.specificity, reverse=True)

    @classmethod
    def from_raw(cls, raw_rules: Iterable[Mapping[str, object]]) -> GlMapping:
        rules: list[GlRule] = []
        problems: list[str] = []
        for number, raw in enumerate(raw_rules, start=1):
            rule, found = rule_from(number, raw)
            problems.extend(found)
            if rule is not None:
                rules.append(rule)
        if problems:
            raise GlMappingError(problems)
        return cls(rules)

    def _output(self, name: str, dims: Dimensions, transaction: str) -> str | None:
        for rule in self._ordered:
            value = rule.output(name)
            if value is not None and rule.matches(dims, transaction):
                return value
        return None

    def resolve(self, transaction: JournalKind | str, dims: Dimensions) -> GlTarget | GlGap:
        kind = str(transaction)
        found = {name: self._output(name, dims, kind) for name in OUTPUTS}
        missing = tuple(name for name, value in found.items() if value is None)
        if missing:
            return GlGap(kind, dims, missing)
        return GlTarget(
            debit=str(found["debit"]),
            credit=str(found["credit"]),
            cost_centre=str(found["cost_centre"]),
            legal_entity=str(found["legal_entity"]),
        )
