"""FHIR R4 data types (http://hl7.org/fhir/R4/datatypes.html), reduced to what revenue cycle reads.

Conventions for every struct in this package:

* msgspec structs, frozen, ``rename="camel"`` (``product_or_service`` <-> ``productOrService``),
  ``gc=False`` (the decoded trees are acyclic), every element optional (we read what we need and let
  the mapping decide what is required), unknown elements ignored (forward compatible: extensions,
  narrative, elements we do not map).
* ``decimal`` elements are ``Decimal`` decoded from the JSON number's text, so ``28.104000000000003``
  and ``125.00`` are kept exactly as sent (no float rounding). Like msgspec, a decimal sent as a JSON
  string ("12.5") is accepted too; non-finite values ("NaN") can only arrive that way, and the mapping
  rejects them (``mapping.amount``). Checking in ``__post_init__`` would cost a Python call per amount.
* ``date``, ``dateTime`` and ``instant`` elements stay strings, exactly as sent: FHIR allows partial
  dates ("2020", "2020-01") and we keep them faithful; ``dates.py`` parses them where needed.
* Repeating elements are tuples (empty when absent).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec


class Element(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """Base of all structs here: frozen, camelCase JSON names, unknown members ignored."""


class Coding(Element, frozen=True):
    """Coding: a code from a code system (system, version, code, display)."""

    system: str | None = None
    version: str | None = None
    code: str | None = None
    display: str | None = None


class CodeableConcept(Element, frozen=True):
    """CodeableConcept: codings plus text."""

    coding: tuple[Coding, ...] = ()
    text: str | None = None

    def code_in(self, system: str | None = None) -> str | None:
        """The first code (of ``system`` when given), or None."""
        for c in self.coding:
            if c.code is not None and (system is None or c.system == system):
                return c.code
        return None


class Period(Element, frozen=True):
    """Period: start and end, as sent (dateTime strings, possibly partial)."""

    start: str | None = None
    end: str | None = None


class Identifier(Element, frozen=True):
    """Identifier: use, type, system, value (and period, assigner is not read)."""

    use: str | None = None
    type: CodeableConcept | None = None
    system: str | None = None
    value: str | None = None
    period: Period | None = None


class Reference(Element, frozen=True):
    """Reference: literal reference ("Patient/1", "urn:uuid:...", "#contained"), type, identifier, display."""

    reference: str | None = None
    type: str | None = None
    identifier: Identifier | None = None
    display: str | None = None


class Money(Element, frozen=True):
    """Money: value (Decimal, exact) and ISO 4217 currency."""

    value: Decimal | None = None
    currency: str | None = None


class Quantity(Element, frozen=True):
    """Quantity / SimpleQuantity: value (Decimal), comparator, unit, system, code."""

    value: Decimal | None = None
    comparator: str | None = None
    unit: str | None = None
    system: str | None = None
    code: str | None = None


class HumanName(Element, frozen=True):
    """HumanName: use, text, family, given, prefix, suffix, period."""

    use: str | None = None
    text: str | None = None
    family: str | None = None
    given: tuple[str, ...] = ()
    prefix: tuple[str, ...] = ()
    suffix: tuple[str, ...] = ()
    period: Period | None = None


class Address(Element, frozen=True):
    """Address: use, type, text, line, city, district, state, postalCode, country, period."""

    use: str | None = None
    type: str | None = None
    text: str | None = None
    line: tuple[str, ...] = ()
    city: str | None = None
    district: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    period: Period | None = None


class ContactPoint(Element, frozen=True):
    """ContactPoint: system (phone, email...), value, use, rank."""

    system: str | None = None
    value: str | None = None
    use: str | None = None
    rank: int | None = None


class Meta(Element, frozen=True):
    """Meta: versionId (used in the idempotency key), lastUpdated, source, profile."""

    version_id: str | None = None
    last_updated: str | None = None
    source: str | None = None
    profile: tuple[str, ...] = ()


class Annotation(Element, frozen=True):
    """Annotation: text and time (the author is not read)."""

    text: str | None = None
    time: str | None = None
