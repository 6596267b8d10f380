"""The demo's cast in the emulator: the sample people, their staff groups, the page's personas.

The emulator keeps no state between runs, so this runs at every start of the demo:
each persona is a Telegram user who has started the bot (so reminders can reach them),
each centre's staff are in its staff group (with the bot), and the web page lists the
personas to switch between.
"""

from __future__ import annotations

from bot.demo.cast import CENTRES, PERSONAS, SAMPLE_SCHOOLS, STAFF, Persona
from bot.emulator.simulator import Simulator
from bot.emulator.state import JSON, World
from bot.services.helpdesk.school_import import parse_school_csv


def _school_names() -> dict[str, str]:
    rows, _ = parse_school_csv(SAMPLE_SCHOOLS.read_bytes())
    return {row.code: row.name for row in rows}


def persona_view(persona: Persona, school_names: dict[str, str]) -> JSON:
    """What the page shows of a persona. `detail` is sample data (a school, a centre)."""
    if persona.role == "teacher" and persona.school_code:
        detail = f"{school_names.get(persona.school_code, '')} · {persona.school_code}"
    elif persona.centre is not None:
        detail = persona.centre.name
    else:
        detail = ""
    return {
        "user": {
            "id": persona.user_id,
            "first_name": persona.first_name,
            "last_name": persona.last_name,
            "language_code": persona.language_code,
        },
        "role": persona.role,
        "detail": detail,
        "chats": [persona.centre.staff_chat_id] if persona.centre else [],
    }


def stage(world: World) -> None:
    """Put the cast into a fresh emulator world (see the module docstring)."""
    sim = Simulator(world)
    for persona in PERSONAS:
        user = world.upsert_user(persona_view(persona, {})["user"])
        world.private_chat(user).started = True
    for centre in CENTRES:
        members = [p for p in STAFF if p.centre == centre]
        for n, persona in enumerate(members):
            sim.add_to_group(
                world.users[persona.user_id],
                centre.staff_chat_id,
                centre.staff_chat_title,
                is_forum=False,
                status="creator" if n == 0 else "member",
            )
    names = _school_names()
    world.personas = [persona_view(p, names) for p in PERSONAS]
