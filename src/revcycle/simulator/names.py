"""Synthetic people and places: names built from syllables, fictional streets and towns.

Nothing is taken from a list of real people: given and family names are assembled from syllables, towns
are invented, telephone numbers are in the 555-0100..0199 range reserved for fiction (NANP), and member
ids carry a ``SYN`` style prefix. States are real two-letter codes (X12 N4 validates them) and ZIP codes
are nine digits in the state's range, which is all the TR3s check.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

_ONSETS = (
    "b",
    "br",
    "c",
    "d",
    "dr",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "st",
    "t",
    "v",
    "w",
    "z",
)
_VOWELS = ("a", "e", "i", "o", "u", "ae", "ia", "ei", "ou")
_CODAS = ("", "", "n", "r", "l", "s", "th", "m", "x", "nd")
_FAMILY_ENDINGS = ("son", "ley", "ton", "field", "wick", "more", "dale", "ford", "ridge", "by", "ham", "ell")
_STREETS = (
    "Alder",
    "Birch",
    "Cinder",
    "Dovetail",
    "Ember",
    "Fennel",
    "Garnet",
    "Heron",
    "Iris",
    "Juniper",
    "Kestrel",
    "Larch",
    "Marrow",
    "Nettle",
    "Osprey",
    "Pebble",
    "Quarry",
    "Rowan",
    "Sorrel",
    "Thistle",
)
_STREET_TYPES = ("St", "Ave", "Rd", "Ln", "Way", "Ct")
#: (town, state, ZIP-5 prefix): invented towns in three real states.
TOWNS: tuple[tuple[str, str, str], ...] = (
    ("Alderport", "WA", "983"),
    ("Bramblewood", "WA", "984"),
    ("Cedar Hollow", "OR", "970"),
    ("Dunmore Falls", "OR", "973"),
    ("Elmstead", "ID", "836"),
    ("Fairhaven Point", "WA", "982"),
    ("Glimmer Lake", "OR", "974"),
    ("Hollis Bend", "ID", "838"),
)


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str  # nine digits


def _syllable(rng: Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def given_name(rng: Random) -> str:
    return (_syllable(rng) + _syllable(rng)).capitalize()


def family_name(rng: Random) -> str:
    return (_syllable(rng) + rng.choice(_FAMILY_ENDINGS)).capitalize()


def address(rng: Random) -> Address:
    town, state, prefix = rng.choice(TOWNS)
    line1 = f"{rng.randint(10, 9899)} {rng.choice(_STREETS)} {rng.choice(_STREET_TYPES)}"
    return Address(line1, town, state, f"{prefix}{rng.randint(0, 99):02d}{rng.randint(1, 9999):04d}")


def phone(rng: Random) -> str:
    """A fictional number: area code 555 would be invalid; NANP reserves 555-0100..0199 in any area."""
    return f"{rng.choice(('206', '360', '503', '541', '208'))}5550{rng.randint(100, 199)}"
