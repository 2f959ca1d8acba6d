"""HL7 v2.5.1 writers: SIU (S12 / S14 / S15 / S26), ADT (A01 / A03 / A04 / A08) and DFT^P03.

Segment and field positions follow HL7 v2.5.1: MSH (Ch. 2), EVN / PID / PV1 / IN1 / DG1 (Ch. 3, 6),
SCH / TQ1 / RGS / AIS / AIL / AIP (Ch. 10: AIS-3 is the expected service), FT1 (Ch. 6: FT1-2
transaction id, FT1-4 date, FT1-6 type, FT1-7 chargemaster code, FT1-10 quantity, FT1-11 extended
amount, FT1-12 unit amount, FT1-13 department, FT1-16 location, FT1-19 diagnoses, FT1-20 performer,
FT1-25 procedure code, FT1-26 modifiers). IN1-14 carries the prior authorization number, IN1-22 the
coordination-of-benefits priority, IN1-36 the member id. Segments end with CR (§2.5.4).
"""

from __future__ import annotations

from types import MappingProxyType

from revcycle.simulator.codes import with_dot
from revcycle.simulator.emission import Clock
from revcycle.simulator.model import Appointment, ChargeLine, Visit
from revcycle.simulator.population import MPI, Coverage, Patient
from revcycle.simulator.world import Provider

VERSION = "2.5.1"
RECEIVER = "REVCYCLE|SYNNET"
_STRUCTURE = MappingProxyType({"A01": "ADT_A01", "A04": "ADT_A01", "A08": "ADT_A01", "A03": "ADT_A03"})
_SIU_STATUS = MappingProxyType({"S12": "Booked", "S14": "Booked", "S15": "Cancelled", "S26": "Noshow"})
_RELATION = MappingProxyType(
    {"18": "SEL^Self^HL70063", "19": "CHD^Child^HL70063", "01": "SPO^Spouse^HL70063"}
)
_TO_36 = "|" * 17  # from PV1-19 to PV1-36
_TO_44 = "|" * 8  # from PV1-36 to PV1-44
_ESCAPES = MappingProxyType(
    str.maketrans({"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\"})
)


def escape(text: str) -> str:
    """HL7 escape sequences for the delimiters (v2.5.1 §2.7.1)."""
    return text.translate(_ESCAPES)


def segment(sid: str, size: int, values: dict[int, str]) -> str:
    """A segment from field positions (1-based, as the standard numbers them); trailing empties dropped."""
    fields = [""] * (size + 1)
    fields[0] = sid
    for position, value in values.items():
        fields[position] = value
    return "|".join(fields).rstrip("|")


def xcn(provider: Provider | None) -> str:
    """XCN with the NPI as id (component 13 identifier type NPI)."""
    if provider is None:
        return ""
    return f"{provider.npi}^{provider.family}^{provider.given}^^^^^^NPI^L^^^NPI"


class Hl7Writer:
    """Builds messages; keeps the PID of each patient once built (it does not change during a run)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._pid: dict[int, str] = {}
        self._in1: dict[tuple[int, int], tuple[str, str]] = {}
        self._xcn: dict[str, str] = {}
        self._dotted: dict[str, str] = {}
        self._cdm: dict[str, str] = {}

    def person(self, provider: Provider | None) -> str:
        """XCN of a provider, built once per provider."""
        if provider is None:
            return ""
        found = self._xcn.get(provider.npi)
        if found is None:
            found = self._xcn[provider.npi] = xcn(provider)
        return found

    def dotted(self, code: str) -> str:
        found = self._dotted.get(code)
        if found is None:
            found = self._dotted[code] = with_dot(code)
        return found

    def msh(
        self,
        app: str,
        facility: str,
        day: int,
        minute: int,
        kind: str,
        event: str,
        structure: str,
        control: str,
    ) -> str:
        ts = self.clock.ts(day, minute)
        return f"MSH|^~\\&|{app}|{facility}|{RECEIVER}|{ts}||{kind}^{event}^{structure}|{control}|P|{VERSION}"

    def pid(self, patient: Patient) -> str:
        found = self._pid.get(patient.index)
        if found is None:
            a = patient.address
            found = (
                f"PID|1||{patient.mrn}^^^{MPI}^MR||{patient.family}^{patient.given}||"
                f"{patient.birth_date:%Y%m%d}|{patient.sex}|||{a.line1}^^{a.city}^{a.state}^{a.postal_code}^USA"
                f"||^PRN^PH^^^{patient.phone[:3]}^{patient.phone[3:]}|||||{patient.account}"
            )
            self._pid[patient.index] = found
        return found

    def pv1(self, visit: Visit, discharged: bool = False) -> str:
        """PV1-2 class, -3 location, -4 admission type, -7 attending, -10 hospital service, -19 visit number,
        -36 discharge disposition, -44 admit and -45 discharge date/time."""
        c = self.clock
        dept, facility = visit.department.code, visit.facility.code
        head = (
            f"PV1|1|{visit.patient_class}|{dept}^^^{facility}|{'R' if visit.appointment else 'E'}|||"
            f"{self.person(visit.provider)}|||{dept}|||||||||{visit.number}^^^{facility}^VN"
        )
        admit = c.ts(visit.day, visit.minute)
        if discharged:
            return f"{head}{_TO_36}01{_TO_44}{admit}|{c.ts(visit.end_day, visit.end_minute)}"
        return f"{head}{_TO_36}{_TO_44}{admit}"

    def in1(self, coverages: list[Coverage], authorization: str | None) -> list[str]:
        """IN1 per coverage; all but IN1-14 (authorization) is built once per coverage."""
        segments = []
        for index, cov in enumerate(coverages, start=1):
            parts = self._in1.get((id(cov), index))
            if parts is None:
                p = cov.payer
                full = segment(
                    "IN1",
                    36,
                    {
                        1: str(index),
                        2: f"{p.payer_id}^{escape(p.name)}",
                        3: p.payer_id,
                        4: escape(p.name),
                        8: cov.group_number or "",
                        12: f"{cov.start:%Y%m%d}",
                        13: f"{cov.end:%Y%m%d}" if cov.end else "",
                        14: "{auth}",
                        16: f"{cov.subscriber_family}^{cov.subscriber_given}",
                        17: _RELATION.get(cov.relationship, ""),
                        18: f"{cov.subscriber_dob:%Y%m%d}",
                        22: str(index),
                        36: cov.member_id,
                    },
                )
                head, _, tail = full.partition("{auth}")
                parts = self._in1[(id(cov), index)] = (head, tail)
            auth = authorization if authorization and index == 1 else ""
            segments.append(parts[0] + auth + parts[1])
        return segments

    def dg1(self, diagnoses: list[str]) -> list[str]:
        return [
            f"DG1|{i}||{self.dotted(code)}^^I10|||{'A' if i == 1 else 'F'}"
            for i, code in enumerate(diagnoses, start=1)
        ]

    def siu(self, event: str, appt: Appointment, day: int, minute: int, control: str, app: str) -> bytes:
        c = self.clock
        start = c.ts(appt.day, appt.minute)
        end = c.ts(appt.day, appt.minute + appt.duration)
        dept, facility = appt.department.code, appt.department.facility
        label = escape(appt.visit_type.name.replace("_", " "))
        service = f"{appt.service_code}^{label}^C4" if appt.mapped else f"{appt.service_code}^{label}^L"
        segments = [
            self.msh(
                app,
                facility,
                day,
                minute,
                "SIU",
                event,
                f"SIU_{event}" if event != "S26" else "SIU_S12",
                control,
            ),
            segment(
                "SCH",
                25,
                {
                    1: f"{appt.appointment_id}^{app}",
                    2: f"{appt.appointment_id}^{app}",
                    6: f"{event}^{_SIU_STATUS[event]}^L",
                    7: f"{appt.visit_type.schedule_code}^{label}^L",
                    8: "ROUTINE",
                    9: str(appt.duration),
                    10: "MIN",
                    11: f"^^{appt.duration}^{start}^{end}",
                    25: _SIU_STATUS[event],
                },
            ),
            f"TQ1|1||||||{start}|{end}",
            self.pid(appt.patient),
            "RGS|1|A",
            f"AIS|1|A|{service}|{start}|0|MIN|{appt.duration}|MIN",
            f"AIL|1|A|{dept}^^^{facility}",
            f"AIP|1|A|{self.person(appt.provider)}|ATT",
        ]
        return "\r".join(segments).encode() + b"\r"

    def adt(self, event: str, visit: Visit, day: int, minute: int, control: str, app: str) -> bytes:
        discharged = event == "A03"
        segments = [
            self.msh(app, visit.facility.code, day, minute, "ADT", event, _STRUCTURE[event], control),
            f"EVN|{event}|{self.clock.ts(day, minute)}",
            self.pid(visit.patient),
            self.pv1(visit, discharged),
            *self.dg1(visit.diagnoses),
            *self.in1(visit.coverages, visit.authorization),
        ]
        return "\r".join(segments).encode() + b"\r"

    def ft1(self, index: int, visit: Visit, line: ChargeLine, posted: int, batch: str) -> str:
        """FT1-1..26 (positions in the module docstring); the service's text parts are built once."""
        c = self.clock
        s = line.service
        unit = line.charge // max(line.units, 1)
        dx = self.dotted(visit.diagnoses[line.dx]) if line.dx < len(visit.diagnoses) else ""
        cdm = self._cdm.get(s.code)
        if cdm is None:
            cdm = self._cdm[s.code] = f"{self.cdm(line)}^{escape(s.label)}^CDM"
        procedure = "" if s.system == "REV" else f"{line.code}^^{'HCPCS' if s.system == 'HCPCS' else 'C4'}"
        text = (
            f"FT1|{index}|{line.txn_id}|{batch}|{c.ymd(line.day)}|{c.ymd(posted)}|CG|{cdm}|||{line.units}|"
            f"{line.charge // 100}.{line.charge % 100:02d}|{unit // 100}.{unit % 100:02d}|"
            f"{line.department}^^L|||{visit.department.code}^^^{visit.facility.code}|||{dx}^^I10|{self.person(line.performer)}|"
            f"{self.person(visit.provider)}||||{procedure}|{'~'.join(line.modifiers)}"
        )
        return text.rstrip("|")

    @staticmethod
    def cdm(line: ChargeLine) -> str:
        return line.service.code if line.service.system == "REV" else f"CDM{line.service.code}"

    def dft(
        self, visit: Visit, lines: list[ChargeLine], day: int, minute: int, control: str, app: str
    ) -> bytes:
        batch = f"B{self.clock.ymd(day)}"
        segments = [
            self.msh(app, visit.facility.code, day, minute, "DFT", "P03", "DFT_P03", control),
            f"EVN|P03|{self.clock.ts(day, minute)}",
            self.pid(visit.patient),
            self.pv1(visit, visit.end_day <= day and visit.patient_class != "O"),
            *(self.ft1(i, visit, line, day, batch) for i, line in enumerate(lines, start=1)),
            *self.dg1(visit.diagnoses),
            *self.in1(visit.coverages, visit.authorization),
        ]
        return "\r".join(segments).encode() + b"\r"

    def payment(
        self, patient: Patient, amount: int, reference: str, day: int, minute: int, control: str
    ) -> bytes:
        """A patient payment posted by the cashiering system: DFT^P03 with FT1-6 = PY (table 0017)."""
        text = f"{amount // 100}.{amount % 100:02d}"
        ts = self.clock.ts(day, minute)
        segments = [
            self.msh("CASHIER", "SYNNET", day, minute, "DFT", "P03", "DFT_P03", control),
            f"EVN|P03|{ts}",
            self.pid(patient),
            f"FT1|1|{reference}|P{ts[:8]}|{ts[:8]}|{ts[:8]}|PY|PATPAY^Patient payment^L|||1|{text}",
        ]
        return "\r".join(segments).encode() + b"\r"
