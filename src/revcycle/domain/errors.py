"""The domain's errors. Messages are PHI-free: they name states, codes and ids, never a patient's data."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises."""


class IllegalTransition(DomainError):
    """A claim (or appointment, encounter) was asked to move to a state its lifecycle forbids."""

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(f"{entity} cannot move from {current} to {target}")
        self.entity = entity
        self.current = current
        self.target = target


class InvalidIdentifier(DomainError):
    """An identifier failed its check (an NPI's Luhn digit, a malformed code)."""


class UnbalancedJournal(DomainError):
    """A journal entry whose debits do not equal its credits."""
