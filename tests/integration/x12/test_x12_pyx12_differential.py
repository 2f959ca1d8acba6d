"""Differential test: our reader and parsers against pyx12's segment reader, over every shared X12 file.

pyx12 (``pyx12.x12file.X12Reader``) is the oracle for the raw counts and sums; we compare them with what
our typed parsers extracted: transaction sets, claims (CLM / CLP), claim charges (CLM02, CLP03), line
charges (SV102 + SV203, SVC02), paid amounts (CLP04, SVC03) and CAS totals (835 claim + line CAS; 837 CAS in
loops 2320 and 2430).

Where pyx12 cannot read a file, the test says so:

* pyx12 decodes its input as ASCII, so a UTF-8 BOM makes it fail: the six oopfactory files are given to
  pyx12 without their BOM (our reader takes them byte for byte);
* ``oopfactory__277_FromLatitude81uk.txt`` has ISA12 ``343434``: pyx12 refuses the interchange
  ("ISA Interchange Control Version Number is unknown"); we reject it too in strict mode and read it in
  lenient mode, so only our own numbers are checked for it.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

pyx12_x12file = pytest.importorskip("pyx12.x12file")
pyx12_errors = pytest.importorskip("pyx12.errors")

from revcycle.adapters.formats.x12.document import parse  # noqa: E402

PYX12_CANNOT_READ = {"oopfactory__277_FromLatitude81uk.txt": "ISA12 343434 is not a known version"}
_BOM = b"\xef\xbb\xbf"


@dataclass
class Totals:
    sets: int = 0
    clm: int = 0
    clm_charge: Decimal = Decimal(0)
    line_charge: Decimal = Decimal(0)
    clp: int = 0
    clp_charge: Decimal = Decimal(0)
    clp_paid: Decimal = Decimal(0)
    svc_charge: Decimal = Decimal(0)
    svc_paid: Decimal = Decimal(0)
    cas: Decimal = Decimal(0)


def _dec(value: str | None) -> Decimal:
    return Decimal(value) if value else Decimal(0)


def pyx12_totals(raw: bytes) -> Totals:
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    reader = pyx12_x12file.X12Reader(io.StringIO(raw.decode("latin-1")))
    t = Totals()
    st_type = ""
    for seg in reader:
        tag = seg.get_seg_id()
        if tag == "ST":
            t.sets += 1
            st_type = seg.get_value("ST01")
        elif tag == "CLM":
            t.clm += 1
            t.clm_charge += _dec(seg.get_value("CLM02"))
        elif tag == "SV1":
            t.line_charge += _dec(seg.get_value("SV102"))
        elif tag == "SV2":
            t.line_charge += _dec(seg.get_value("SV203"))
        elif tag == "CLP":
            t.clp += 1
            t.clp_charge += _dec(seg.get_value("CLP03"))
            t.clp_paid += _dec(seg.get_value("CLP04"))
        elif tag == "SVC" and st_type == "835":
            t.svc_charge += _dec(seg.get_value("SVC02"))
            t.svc_paid += _dec(seg.get_value("SVC03"))
        elif tag == "CAS":
            for index in range(3, 19, 3):
                t.cas += _dec(seg.get_value(f"CAS{index:02d}"))
    return t


def our_totals(raw: bytes) -> Totals:
    document = parse(raw, strict=False)
    t = Totals(sets=len(document.transactions))
    for transaction in document.claims():
        for claim in transaction.claims:
            t.clm += 1
            t.clm_charge += claim.total_charge
            t.line_charge += claim.line_charge_total
            for other in claim.other_subscribers:
                t.cas += sum((a.amount for a in other.adjustments), Decimal(0))
            for line in claim.lines:
                for adjudication in line.adjudications:
                    t.cas += sum((a.amount for a in adjudication.adjustments), Decimal(0))
    for remittance in document.remittances():
        for payment in remittance.claims:
            t.clp += 1
            t.clp_charge += payment.charge
            t.clp_paid += payment.paid
            t.cas += payment.adjustment_total
            for line in payment.lines:
                t.svc_charge += line.charge
                t.svc_paid += line.paid
    return t


def _files(root: Path) -> list[Path]:
    return sorted((root / "x12").iterdir())


def test_differential_against_pyx12(shared_data: Path) -> None:
    compared = 0
    for path in _files(shared_data):
        raw = path.read_bytes()
        ours = our_totals(raw)
        if path.name in PYX12_CANNOT_READ:
            with pytest.raises(pyx12_errors.X12Error):
                pyx12_totals(raw)
            assert ours.sets == 1
            continue
        assert ours == pyx12_totals(raw), path.name
        compared += 1
    assert compared == len(_files(shared_data)) - len(PYX12_CANNOT_READ)


def test_differential_covers_money(shared_data: Path) -> None:
    """The comparison is not vacuous: the samples carry claims, lines, payments and adjustments."""
    total = Totals()
    for path in _files(shared_data):
        if path.name in PYX12_CANNOT_READ:
            continue
        t = pyx12_totals(path.read_bytes())
        total.clm += t.clm
        total.clp += t.clp
        total.line_charge += t.line_charge
        total.cas += t.cas
        total.svc_paid += t.svc_paid
    assert total.clm == 29 and total.clp == 36
    assert total.line_charge > 0 and total.cas > 0 and total.svc_paid > 0
