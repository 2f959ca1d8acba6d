"""A day of a clinic's HL7 traffic over MLLP (SIU, ADT, DFT) into a running server, read back through
the API: patients, appointments, encounters and charges."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server import ServerProcess

MSH = "MSH|^~\\&|EPIC|NORTHCLINIC|REVCYCLE|BILLING|{ts}||{type}|{control}|P|2.5.1\r"
PID = "PID|1||MRN{n:04d}^^^NORTH^MR||PATIENT^TEST{n}||19700101|F|||1 TEST ST^^SPRINGFIELD^IL^62701||||||ACCT{n:04d}\r"
PV1 = "PV1|1|O|CLINIC1^^^NORTH||||1234567893^SMITH^JOHN^^^MD||||||||||||V{n:04d}|||||||||||||||||||||||||{admit}\r"


def day(patients: int) -> list[bytes]:
    """Per patient: book (S12), register (A04), two charges (DFT P03), discharge (A03)."""
    out: list[bytes] = []
    for n in range(1, patients + 1):
        ts = f"202611220{8 + n % 2}00"
        out.append(
            (
                MSH.format(ts=ts, type="SIU^S12", control=f"S{n}")
                + f"SCH|APT{n}|APT{n}|||||ROUTINE|||15|MIN|^^15^202611221000^202611221015\r"
                + PID.format(n=n)
                + "RGS|1\rAIS|1||99213^Office visit^CPT|202611221000|||15|MIN\rAIP|1||1234567893^SMITH^JOHN\r"
            ).encode()
        )
        out.append(
            (
                MSH.format(ts=ts, type="ADT^A04", control=f"A{n}")
                + "EVN|A04|"
                + ts
                + "\r"
                + PID.format(n=n)
                + PV1.format(n=n, admit="20261122100000")
                + "IN1|1|BCBS01|BCBS|Blue Cross\r"
            ).encode()
        )
        out.append(
            (
                MSH.format(ts=ts, type="DFT^P03", control=f"D{n}")
                + "EVN|P03|"
                + ts
                + "\r"
                + PID.format(n=n)
                + PV1.format(n=n, admit="20261122100000")
                + f"FT1|1|T{n}A||20261122|20261122|CG|99213|||1|125.00|125.00|CARD|||||||1234567893|||||99213|25\r"
                + f"FT1|2|T{n}B||20261122|20261122|CG|93000|||1|48.00|48.00|CARD|||||||1234567893|||||93000\r"
                + "DG1|1||I10^Essential hypertension^I10\r"
            ).encode()
        )
        out.append(
            (
                MSH.format(ts=ts, type="ADT^A03", control=f"X{n}")
                + "EVN|A03|"
                + ts
                + "\r"
                + PID.format(n=n)
                + PV1.format(n=n, admit="20261122100000").replace("\r", "20261122110000\r")
            ).encode()
        )
    return out


def send_mllp(port: int, messages: list[bytes]) -> list[bytes]:
    acks = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for raw in messages:
            sock.sendall(b"\x0b" + raw + b"\x1c\x0d")
            buffer = b""
            while not buffer.endswith(b"\x1c\x0d"):
                chunk = sock.recv(65536)
                assert chunk, "connection closed before the ACK"
                buffer += chunk
            acks.append(buffer)
    return acks


def items(server: ServerProcess, path: str, **params: Any) -> list[dict[str, Any]]:
    found = httpx.get(
        f"{server.url}{path}", params={"limit": 1000, **params}, headers=server.headers, timeout=10
    )
    return found.json()["items"]  # type: ignore[no-any-return]


def test_a_clinic_day_over_mllp_is_readable_through_the_api(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data")
    server.start()
    try:
        messages = day(10)
        acks = send_mllp(server.mllp_port, messages)
        assert all(b"MSA|AA|" in ack for ack in acks), acks[0]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and items(server, "/api/v1/messages", status="accepted"):
            time.sleep(0.2)
        stored = items(server, "/api/v1/messages")
        assert len(stored) == len(messages) and {m["status"] for m in stored} == {"processed"}
        patients = items(server, "/api/v1/patients")
        assert len(patients) == 10
        appointments = items(server, "/api/v1/appointments")
        assert len(appointments) == 10 and {a["status"] for a in appointments} == {"booked"}
        encounters = items(server, "/api/v1/encounters")
        assert len(encounters) == 10 and {e["status"] for e in encounters} == {"discharged"}
        charges = items(server, "/api/v1/charges")
        assert len(charges) == 20
        assert sorted({c["procedure_code"] for c in charges}) == ["93000", "99213"]
        assert sum(float(c["amount"]) for c in charges) == 10 * (125.00 + 48.00)
        detail = httpx.get(f"{server.url}/api/v1/patients/{patients[0]['id']}", headers=server.headers).json()
        assert (
            len(detail["encounters"]) == 1
            and len(detail["charges"]) == 2
            and len(detail["appointments"]) == 1
        )
        assert all(c["correlation_id"] and c["message_id"] for c in charges)  # traceable to their message
    finally:
        server.stop()
