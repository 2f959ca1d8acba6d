"""The seeded world: facilities, departments (cost centres), providers (NPI + NUCC taxonomy), payers with
payer classes and contracts (fee schedules), and the code sets. Patients live in :mod:`.population`.

Everything is derived from ``SimConfig.seed``; the same seed gives the same world. Some master data is
deliberately late or missing (the unmapped-department and unmapped-payer anomalies): ``mapped_day`` is the
simulation day the ERP first sends the record, None when it never does.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from revcycle.domain.npi import npi_check_digit
from revcycle.simulator import codes, names
from revcycle.simulator.catalog import Catalog
from revcycle.simulator.config import SimConfig


@dataclass(frozen=True, slots=True)
class Facility:
    code: str
    name: str
    npi: str
    tax_id: str
    kind: str  # hospital, clinic, urgent, lab
    place_of_service: str
    taxonomy: str
    address: names.Address
    speaks_fhir: bool = False


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    facility: str
    cost_centre: str
    service_line: str
    mapped_day: int | None = 0


@dataclass(frozen=True, slots=True)
class Provider:
    npi: str
    family: str
    given: str
    taxonomy: str
    department: str


@dataclass(frozen=True, slots=True)
class Payer:
    """A payer. ``base_denial`` is its background denial probability (noise not tied to a cause);
    ``fee_multiplier`` scales the Medicare-like fee into its contract; ``facility_rate`` is the share of
    charges it pays on uncoded institutional lines (room and board, pharmacy)."""

    payer_id: str
    name: str
    payer_class: str  # medicare, medicaid, commercial, self_pay
    timely_filing_days: int
    base_denial: float
    fee_multiplier: float
    filing_indicator: str  # X12 SBR09 / CLP06: MB, MC, CI
    facility_rate: float
    copay: int  # cents, office E/M
    coinsurance: float
    deductible: int  # cents per year
    tax_id: str
    mapped_day: int | None = 0
    speaks_fhir: bool = False


@dataclass(frozen=True, slots=True)
class Contract:
    """One version of a payer contract: allowed amount per procedure code, valid from/to a day."""

    contract_id: str
    payer_id: str
    rates: dict[str, int]
    start_day: int | None
    end_day: int | None
    tolerance: int = 50  # cents


#: code | name | kind | place of service | taxonomy | speaks FHIR
FACILITIES = """
SYNHOSP|Synthetic Valley Hospital|hospital|22|282N00000X|
CLN1|Alder Family Medicine|clinic|11|261QP2300X|
CLN2|Rowan Specialty Clinic|clinic|11|193200000X|
UC3|Heron Urgent Care|urgent|20|261QU0200X|fhir
LAB4|Juniper Reference Laboratory|lab|81|291U00000X|
"""
#: code | name | facility | cost centre | service line | provider taxonomies | mapped day (fraction of the
#: run; "never": the ERP never sends it)
DEPARTMENTS = """
HED|Emergency Department|SYNHOSP|6100|emergency|207P00000X|0
HMS|Medical/Surgical Inpatient|SYNHOSP|6200|inpatient|208M00000X|0
HRAD|Radiology|SYNHOSP|6300|imaging|2085R0202X|0
HLAB|Hospital Laboratory|SYNHOSP|6400|laboratory|207ZP0105X|0
HCRD|Cardiology Diagnostics|SYNHOSP|6500|cardiology|207RC0000X|0
HPHM|Pharmacy|SYNHOSP|6600|pharmacy||0
FM1|Family Medicine|CLN1|7100|primary_care|207Q00000X 363LF0000X|0
WND1|Wound Care|CLN1|7150|primary_care|207Q00000X|never
IM2|Internal Medicine|CLN2|7200|primary_care|207R00000X|0
CARD2|Cardiology|CLN2|7300|cardiology|207RC0000X|0
ORTH2|Orthopedics and Therapy|CLN2|7400|musculoskeletal|207X00000X 225100000X|0
SLP2|Sleep Medicine|CLN2|7500|primary_care|207RS0012X|0.4
UC3|Urgent Care|UC3|7600|urgent_care|207Q00000X 363A00000X|0
LAB4|Reference Laboratory|LAB4|7700|laboratory|207ZP0105X|0
"""
#: id | name | class | timely filing days | base denial | fee multiplier | SBR09 | facility rate | copay
#: (cents) | coinsurance | deductible (cents) | mapped day (fraction; "never") | speaks FHIR
PAYERS = """
SYNMCR|Medicare (synthetic MAC)|medicare|365|0.04|1.0|MB|0.38|0|0.2|25700|0|
SYNMCD|State Medicaid (synthetic)|medicaid|180|0.10|0.75|MC|0.30|0|0|0|0|
SYNNWH|Northwind Health Plan|commercial|90|0.05|1.45|CI|0.55|3000|0.2|100000|0|fhir
SYNCSC|Cascade Mutual Insurance|commercial|180|0.06|1.3|CI|0.5|2500|0.2|150000|0|
SYNGRN|Granite Shield Health|commercial|120|0.04|1.35|CI|0.52|3500|0.1|50000|0|
SYNHBR|Harbor Benefit Trust|commercial|90|0.05|1.25|CI|0.48|3000|0.2|200000|0.3|
SYNTCB|Tri-County Benefit Plan|commercial|90|0.05|1.2|CI|0.45|2500|0.2|100000|never|
SELFPAY|Self-pay|self_pay|0|0|1.0|09|0|0|0|0|0|
"""


def _rows(table: str) -> list[list[str]]:
    return [line.split("|") for line in table.strip().splitlines()]


def _mapped(text: str, days: int) -> int | None:
    return None if text == "never" else int(float(text) * days)


def make_npi(rng: Random, used: set[str]) -> str:
    """A random ten-digit NPI starting with 1 whose tenth digit is the Luhn check digit (45 CFR 162.406)."""
    while True:
        base = f"1{rng.randint(0, 99_999_999):08d}"
        npi = base + str(npi_check_digit(base))
        if npi not in used:
            used.add(npi)
            return npi


@dataclass(frozen=True, slots=True)
class World:
    config: SimConfig
    catalog: Catalog
    codes: codes.CodeSets
    facilities: dict[str, Facility]
    departments: dict[str, Department]
    providers: dict[str, tuple[Provider, ...]]  # by department
    payers: dict[str, Payer]
    contracts: tuple[Contract, ...]
    billing_tax_id: str

    def contract_for(self, payer_id: str, day: int) -> Contract | None:
        for contract in self.contracts:
            started = contract.start_day is None or contract.start_day <= day
            ended = contract.end_day is not None and day > contract.end_day
            if contract.payer_id == payer_id and started and not ended:
                return contract
        return None


def _providers(config: SimConfig, rng: Random, used: set[str]) -> dict[str, tuple[Provider, ...]]:
    staffed = [row for row in _rows(DEPARTMENTS) if row[5]]
    per_department = max(1, config.provider_count // len(staffed))
    result: dict[str, tuple[Provider, ...]] = {}
    for row in staffed:
        code, taxonomies = row[0], row[5].split()
        result[code] = tuple(
            Provider(
                make_npi(rng, used),
                names.family_name(rng),
                names.given_name(rng),
                taxonomies[i % len(taxonomies)],
                code,
            )
            for i in range(per_department)
        )
    return result


def _contracts(catalog: Catalog, payers: dict[str, Payer], days: int) -> tuple[Contract, ...]:
    """One contract per insurer; Cascade renews (+4%) at 55% of the run (contract v2)."""
    found: list[Contract] = []
    renewal = max(1, int(days * 0.55))
    for payer in payers.values():
        if payer.payer_class == "self_pay":
            continue
        rates = {s.code: round(s.fee * payer.fee_multiplier) for s in catalog.coded()}
        if payer.payer_id == "SYNCSC":
            found.append(Contract(f"K-{payer.payer_id}-1", payer.payer_id, rates, None, renewal - 1))
            raised = {code: round(amount * 1.04) for code, amount in rates.items()}
            found.append(Contract(f"K-{payer.payer_id}-2", payer.payer_id, raised, renewal, None))
        else:
            found.append(Contract(f"K-{payer.payer_id}-1", payer.payer_id, rates, None, None))
    return tuple(found)


def _tax_id(rng: Random) -> str:
    return f"{rng.randint(10, 98)}{rng.randint(0, 9_999_999):07d}"


def build_world(config: SimConfig, code_sets: codes.CodeSets | None = None) -> World:
    """The world of ``config.seed`` (code sets loaded from ``config.codesets`` unless given)."""
    rng = Random(f"world:{config.seed}")
    catalog = Catalog.build()
    used: set[str] = set()
    facilities = {
        code: Facility(
            code,
            name,
            make_npi(rng, used),
            _tax_id(rng),
            kind,
            pos,
            taxonomy,
            names.address(rng),
            fhir == "fhir",
        )
        for code, name, kind, pos, taxonomy, fhir in _rows(FACILITIES)
    }
    departments = {
        row[0]: Department(row[0], row[1], row[2], row[3], row[4], _mapped(row[6], config.days))
        for row in _rows(DEPARTMENTS)
    }
    payers: dict[str, Payer] = {}
    for row in _rows(PAYERS):
        pid, name, klass, filing, base, multiplier, sbr09, rate, copay, coins, deductible, mapped, fhir = row
        payers[pid] = Payer(
            pid,
            name,
            klass,
            int(filing),
            float(base),
            float(multiplier),
            sbr09,
            float(rate),
            int(copay),
            float(coins),
            int(deductible),
            _tax_id(rng),
            _mapped(mapped, config.days),
            fhir == "fhir",
        )
    return World(
        config=config,
        catalog=catalog,
        codes=code_sets if code_sets is not None else codes.load(config.codesets),
        facilities=facilities,
        departments=departments,
        providers=_providers(config, rng, used),
        payers=payers,
        contracts=_contracts(catalog, payers, config.days),
        billing_tax_id=_tax_id(rng),
    )
