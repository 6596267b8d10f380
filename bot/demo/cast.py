"""The demo's sample people, support centres and staff groups (all of it sample data).

Telegram ids are small fixed numbers, below the emulator's ids for people created on
the page (1,000,001 and up), so a persona is the same person in every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

SAMPLE_SCHOOLS: Final = Path(__file__).resolve().parent / "sample_schools.csv"

Role = Literal["teacher", "staff", "admin"]


@dataclass(frozen=True)
class DemoCentre:
    slug: str
    name: str
    directorate: str
    staff_chat_id: int
    staff_chat_title: str
    phone: str
    email: str


# The first centre is the deployment's default one (slug "default", see `seed`): the
# demo's settings describe it, so the bot's own start-up check keeps it as it is.
ATHENS: Final = DemoCentre(
    slug="default",
    name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας (δείγμα)",
    directorate="Δ/νση Δ.Ε. Α' Αθήνας (δείγμα)",
    staff_chat_id=-1001000000101,
    staff_chat_title="ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας · Προσωπικό υποστήριξης (δείγμα)",
    phone="2100000100",
    email="keplinet-athens@example.org",
)
# Its slug is the demo's marker: a database with this centre was seeded by the demo.
THESSALONIKI: Final = DemoCentre(
    slug="sample-thess-east",
    name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Ανατολικής Θεσσαλονίκης (δείγμα)",
    directorate="Δ/νση Δ.Ε. Ανατολικής Θεσσαλονίκης (δείγμα)",
    staff_chat_id=-1001000000102,
    staff_chat_title="ΚΕ.ΠΛΗ.ΝΕ.Τ. Αν. Θεσσαλονίκης · Προσωπικό (δείγμα)",
    phone="2310000100",
    email="keplinet-thess@example.org",
)
CENTRES: Final = (ATHENS, THESSALONIKI)
MARKER_SLUG: Final = THESSALONIKI.slug


@dataclass(frozen=True)
class Persona:
    """Someone the person at the demo page can be."""

    user_id: int
    first_name: str
    last_name: str
    language_code: str
    role: Role
    school_code: str | None = None  # teachers: the school the bot knows them by
    centre: DemoCentre | None = None  # staff: the centre they work for
    follows_deadlines: bool = False  # teachers: already follows the reminders

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


MARIA: Final = Persona(
    7001, "Μαρία", "Παπαδοπούλου", "el", "teacher", school_code="0551010", follows_deadlines=True
)
GIORGOS: Final = Persona(7002, "Γιώργος", "Νικολάου", "el", "teacher", school_code="1951010")
HELEN: Final = Persona(7003, "Helen", "Brown", "en", "teacher", school_code="0551020")
NIKOS: Final = Persona(7101, "Νίκος", "Τεχνικός", "el", "staff", centre=ATHENS)
ELENI: Final = Persona(7102, "Ελένη", "Δικτύων", "el", "staff", centre=ATHENS)
KOSTAS: Final = Persona(7201, "Κώστας", "Βορείου", "el", "staff", centre=THESSALONIKI)
SOFIA: Final = Persona(7202, "Σοφία", "Δημητρίου", "el", "staff", centre=THESSALONIKI)
ADMIN: Final = Persona(7901, "Άννα", "Διαχειρίστρια", "el", "admin")

PERSONAS: Final = (MARIA, GIORGOS, HELEN, NIKOS, ELENI, KOSTAS, SOFIA, ADMIN)
TEACHERS: Final = tuple(p for p in PERSONAS if p.role == "teacher")
STAFF: Final = tuple(p for p in PERSONAS if p.role == "staff")
ADMINS: Final = tuple(p for p in PERSONAS if p.role == "admin")
