"""The rules through the real pipeline on SQLite and PostgreSQL: HL7 v2 messages appended to the
inbound log, processed by the worker (parse, map, handlers, rules), the missing-charge sweep run with an
injected clock; findings read back from the store, PHI-free."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from revcycle.adapters.store.schema import findings
from revcycle.bootstrap import Container
from revcycle.service_layer.intake import make_receipt

PID = (
    "PID|1||10010157^^^SYNMPI^MR||Hounmore^Jelko||19720704|M|||1709 Alder Way^^Bramblewood^WA^984204445^USA"
    "||^PRN^PH^^^541^5550184|||||A10010157"
)
PHI = ("Hounmore", "Jelko", "19720704", "1972-07-04", "10010157", "1709 Alder", "5550184")
NPI = "1980284776^Stirdale^Kilkon^^^^^^NPI^L^^^NPI"


def msh(kind: str, control: str, at: str = "20260105070300") -> str:
    return f"MSH|^~\\&|EHR|CLN1|REVCYCLE|SYNNET|{at}||{kind}|{control}|P|2.5.1"


def siu(control: str, appointment: str, service: str) -> str:
    return "\r".join(
        (
            msh("SIU^S12^SIU_S12", control),
            f"SCH|{appointment}^SCHED|{appointment}^SCHED||||S12^Booked^L|OV-EST^office^L|ROUTINE|20|MIN|"
            "^^20^20260108084500^20260108090500||||||||||||||Booked",
            PID,
            "RGS|1|A",
            f"AIS|1|A|{service}|20260108084500|0|MIN|20|MIN",
            "AIL|1|A|FM1^^^CLN1",
            f"AIP|1|A|{NPI}|ATT",
        )
    )


def a04(control: str, visit: str, at: str) -> str:
    return "\r".join(
        (
            msh("ADT^A04^ADT_A01", control, at),
            f"EVN|A04|{at}",
            PID,
            f"PV1|1|O|FM1^^^CLN1|R|||{NPI}|||FM1|||||||||{visit}^^^CLN1^VN|||||||||||||||||||||||||{at}",
            "DG1|1||I10^^I10|||A",
        )
    )


def dft(control: str, visit: str, transaction: str, code: str, dx: str) -> str:
    return "\r".join(
        (
            msh("DFT^P03^DFT_P03", control, "20260105100000"),
            "EVN|P03|20260105100000",
            PID,
            f"PV1|1|O|FM1^^^CLN1|R|||{NPI}|||FM1|||||||||{visit}^^^CLN1^VN",
            f"FT1|1|{transaction}|B20260105|20260105|20260105|CG|CDM{code}^Item^CDM|||1|150.00|150.00|FM1^^L|||"
            f"FM1^^^CLN1|||{dx}^^I10|{NPI}|{NPI}||||{code}^^HCPCS",
        )
    )


def ingest(container: Container, *messages: str) -> None:
    receipts = [
        make_receipt(m.encode(), interface="test", transport="test", identify=container.formats.identify)
        for m in messages
    ]
    container.inbound_log.append_batch(receipts)
    container.worker.drain()


def stored(container: Container) -> list[dict[str, object]]:
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(
                findings.c.type,
                findings.c.subject_kind,
                findings.c.subject_id,
                findings.c.summary,
                findings.c.details,
            )
        ).all()
    return [dict(r._mapping) for r in rows]


def test_rules_raise_findings_through_the_pipeline(container: Container) -> None:
    ingest(
        container,
        siu("S1", "AP1", "LOC-OV-EST-42^office visit^L"),
        siu("S2", "AP2", "99213^office visit^C4"),
        a04("A1", "V100", "20260105080000"),  # a visit that never gets its charges
        a04("A2", "V200", "20260105081000"),
        dft("D1", "V200", "T1", "A4466", "E11"),  # terminated HCPCS, header ICD-10-CM code
        dft("D2", "V200", "T2", "A4466", "E11"),  # the same charge re-entered: new MSH-10, new FT1-2
    )
    found = {(r["type"], r["subject_kind"], r["subject_id"]) for r in stored(container)}
    assert ("unmapped_service", "appointment", "AP1") in found
    assert not any(kind == "appointment" and sid == "AP2" for _, kind, sid in found)
    invalid = {
        (r["details"]["code"], r["subject_id"]) for r in stored(container) if r["type"] == "invalid_code"
    }  # type: ignore[index]
    assert invalid == {("A4466", "1"), ("E11", "1"), ("A4466", "2"), ("E11", "2")}
    assert ("duplicate_charge", "charge", "2") in found
    assert not any(t == "missing_charge" for t, _, _ in found)

    assert container.sweeper is not None
    assert container.sweeper.run(datetime(2026, 1, 7, 12, 0, tzinfo=UTC)) == 0  # inside the 72 h grace
    assert container.sweeper.run(datetime(2026, 1, 9, 12, 0, tzinfo=UTC)) == 1
    assert container.sweeper.run(datetime(2026, 1, 10, 12, 0, tzinfo=UTC)) == 0  # raised once
    missing = [r for r in stored(container) if r["type"] == "missing_charge"]
    assert [(r["subject_kind"], r["subject_id"]) for r in missing] == [("encounter", "V100")]

    text = json.dumps(stored(container), default=str)
    assert not [value for value in PHI if value in text]
