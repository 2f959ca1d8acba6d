"""Patients and their coverage, generated lazily and deterministically by index.

Patients are drawn from the population's own seeded stream when first used, so a large world costs only
the patients it uses, and the same seed gives the same patients in the same order.

Coverage mix (shares of patients): 22% aged 65+ with Medicare primary (20% of them dual-eligible with
Medicaid secondary, 30% with a commercial supplement); under 65: Medicaid 22% (40% for children),
commercial 70% (4% with a second commercial plan), self-pay 8%. These follow the US payer mix of
hospital outpatient volume (KFF / AHA payer-mix summaries: Medicare ~25-35%, Medicaid ~15-25%, private
~40-55%, uninsured ~5-10%). 6% of commercial and Medicaid primaries terminate during the run, 70% of
those with a replacement plan from the next day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from types import MappingProxyType

from revcycle.simulator import names
from revcycle.simulator.rng import FastRandom
from revcycle.simulator.world import Payer, World

MPI = "SYNMPI"  # the network's assigning authority for MRNs (HL7 CX.4, FHIR identifier system)
_COMMERCIAL = (("SYNNWH", 30), ("SYNCSC", 26), ("SYNGRN", 22), ("SYNHBR", 14), ("SYNTCB", 8))
_PREFIX = MappingProxyType(
    {
        "SYNMCR": "SM",
        "SYNMCD": "SD",
        "SYNNWH": "NW",
        "SYNCSC": "CS",
        "SYNGRN": "GR",
        "SYNHBR": "HB",
        "SYNTCB": "TC",
    }
)


@dataclass(slots=True)
class Coverage:
    payer: Payer
    member_id: str
    rank: int
    group_number: str | None
    start: date
    end: date | None
    relationship: str  # X12 individual relationship code: 18 self, 19 child
    subscriber_family: str
    subscriber_given: str
    subscriber_dob: date
    subscriber_sex: str

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(slots=True)
class Patient:
    index: int
    mrn: str
    account: str
    family: str
    given: str
    birth_date: date
    sex: str
    address: names.Address
    phone: str
    coverages: list[Coverage]
    home_department: str
    deductible_met: dict[str, int] = field(default_factory=dict)
    stale_registration: bool | None = None  # decided at the first visit after a termination
    update_sent: bool = False  # the A08 with the replacement coverage was sent
    last_a1c_day: int = -1000

    @property
    def age_years(self) -> int:
        return 2026 - self.birth_date.year

    def active(self, day: date) -> list[Coverage]:
        return sorted((c for c in self.coverages if c.covers(day)), key=lambda c: c.rank)

    @property
    def terminated(self) -> Coverage | None:
        """The primary coverage that ends during the run (if any)."""
        return next((c for c in self.coverages if c.rank == 1 and c.end is not None), None)


def _weighted(rng: Random, options: tuple[tuple[str, int], ...], exclude: str = "") -> str:
    pool = [(k, w) for k, w in options if k != exclude]
    pick = rng.random() * sum(w for _, w in pool)
    for key, weight in pool:
        pick -= weight
        if pick < 0:
            return key
    return pool[-1][0]


class Population:
    """The world's patients: ``get(i)`` builds patient ``i`` on first use."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.size = world.config.patient_count
        self._patients: dict[int, Patient] = {}
        self._start = world.config.start
        self._rng = FastRandom(f"population:{world.config.seed}:{world.config.shard}")
        self._first = world.config.shard * self.size

    def get(self, index: int) -> Patient:
        found = self._patients.get(index)
        if found is None:
            found = self._patients[index] = self._make(index)
        return found

    def _coverage(
        self, rng: Random, payer_id: str, rank: int, patient: tuple[str, str, date, str], child: bool
    ) -> Coverage:
        payer = self.world.payers[payer_id]
        family, given, dob, sex = patient
        relationship = "18"
        if child and payer.payer_class == "commercial":
            relationship, given = "19", names.given_name(rng)
            dob, sex = dob.replace(year=dob.year - rng.randint(24, 40)), rng.choice("FM")
        member = f"{_PREFIX.get(payer_id, 'SP')}{rng.randint(100_000_000, 999_999_999)}"
        group = f"G{rng.randint(10_000, 99_999)}" if payer.payer_class == "commercial" else None
        start = self._start - timedelta(days=rng.randint(60, 2000))
        return Coverage(payer, member, rank, group, start, None, relationship, family, given, dob, sex)

    def _make(self, index: int) -> Patient:
        rng = self._rng
        family, given, sex = names.family_name(rng), names.given_name(rng), rng.choice("FM")
        band = rng.random()
        age = (
            rng.randint(65, 94)
            if band < 0.22
            else (rng.randint(0, 17) if band < 0.40 else rng.randint(18, 64))
        )
        dob = date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
        person = (family, given, dob, sex)
        coverages: list[Coverage] = []
        if age >= 65:
            coverages.append(self._coverage(rng, "SYNMCR", 1, person, False))
            roll = rng.random()
            if roll < 0.2:
                coverages.append(self._coverage(rng, "SYNMCD", 2, person, False))
            elif roll < 0.5:
                coverages.append(self._coverage(rng, "SYNGRN", 2, person, False))
        else:
            roll = rng.random()
            if roll < (0.4 if age < 18 else 0.22):
                primary = "SYNMCD"
            elif roll < 0.92:
                primary = _weighted(rng, _COMMERCIAL)
            else:
                primary = ""
            if primary:
                coverages.append(self._coverage(rng, primary, 1, person, age < 18))
                if primary != "SYNMCD" and rng.random() < 0.04:
                    coverages.append(
                        self._coverage(rng, _weighted(rng, _COMMERCIAL, primary), 2, person, False)
                    )
                if rng.random() < 0.06:
                    self._terminate(rng, coverages[0], coverages, person, age < 18)
        mrn = f"{10_000_000 + (self._first + index) * 7 + rng.randint(0, 6)}"
        home = "FM1" if rng.random() < 0.6 else "IM2"
        return Patient(
            index,
            mrn,
            f"A{mrn}",
            family,
            given,
            dob,
            sex,
            names.address(rng),
            names.phone(rng),
            coverages,
            home,
        )

    def _terminate(
        self,
        rng: Random,
        primary: Coverage,
        coverages: list[Coverage],
        person: tuple[str, str, date, str],
        child: bool,
    ) -> None:
        days = self.world.config.days
        primary.end = self._start + timedelta(days=int(days * (0.1 + 0.75 * rng.random())))
        if rng.random() < 0.7:
            options = (*_COMMERCIAL, ("SYNMCD", 20))
            replacement = self._coverage(
                rng, _weighted(rng, options, primary.payer.payer_id), 1, person, child
            )
            replacement.start = primary.end + timedelta(days=1)
            coverages.append(replacement)
