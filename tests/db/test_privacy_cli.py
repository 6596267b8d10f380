"""`keplibot privacy export|erase` and `keplibot audit`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.db import create_engine, session_factory
from bot.services import privacy, users
from bot.services.helpdesk import tickets
from tests.helpdesk_world import T0, TEACHER, build_world, draft


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    monkeypatch.setenv("USER", "oper")
    monkeypatch.setenv("LOGNAME", "oper")
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    return database_url


async def a_teacher_with_a_ticket(url: str) -> str:
    engine = create_engine(url)
    try:
        sessions = session_factory(engine)
        world = await build_world(sessions)
        async with sessions() as session:
            await users.touch_user(
                session, telegram_id=TEACHER.user_id, first_name="Μαρία", last_name="Π."
            )
            ticket = await tickets.create_ticket(
                session,
                draft(world.gym_athens, description="Ο διακόπτης ΣΗΜ-55 έσπασε"),
                TEACHER,
                reporter_locale="el",
                now=T0,
            )
        return ticket.reference
    finally:
        await engine.dispose()


def test_an_operator_exports_and_erases_a_person_and_both_are_audited(
    cli_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    asyncio.run(a_teacher_with_a_ticket(cli_env))
    assert main(["privacy", "export", "--user", str(TEACHER.user_id)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["profile"]["first_name"] == "Μαρία"
    assert document["tickets"][0]["description"] == "Ο διακόπτης ΣΗΜ-55 έσπασε"

    # Without --yes nothing happens.
    assert main(["privacy", "erase", "--user", str(TEACHER.user_id)]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert main(["privacy", "erase", "--user", str(TEACHER.user_id), "--yes"]) == 0
    assert f"user {TEACHER.user_id}:" in capsys.readouterr().out

    out = tmp_path / "after.json"
    assert main(["privacy", "export", "--user", str(TEACHER.user_id), "-o", str(out)]) == 0
    capsys.readouterr()
    after = json.loads(out.read_text(encoding="utf-8"))
    assert not privacy.has_personal_data(after)

    assert main(["audit", "--action", "privacy", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["action"] for r in rows] == ["privacy.export", "privacy.erase", "privacy.export"]
    assert {r["actor"] for r in rows} == {"operator:oper"}
    assert {r["target"] for r in rows} == {f"users id={TEACHER.user_id}"}

    # The centres and staff made by the test world are the system's; limit and filters.
    assert main(["audit", "--actor", "system", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert all("  system  " in line for line in lines)
    assert main(["audit", "--since", "1h", "--actor", "nobody-like-this"]) == 0
    assert capsys.readouterr().out.strip() == "keplibot audit: no entries"


def test_staff_changes_from_the_cli_are_the_operators(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["centres", "add", "crete", "--name", "ΚΕ.ΠΛΗ.ΝΕ.Τ. Χανίων"]) == 0
    assert main(["staff", "add", "--centre", "crete", "--user", "5005", "--name", "Άρης"]) == 0
    assert main(["staff", "remove", "--centre", "crete", "--user", "5005"]) == 0
    capsys.readouterr()
    assert main(["audit", "--actor", "operator"]) == 0
    lines = capsys.readouterr().out.splitlines()
    actions = [line.split("  ")[2] for line in lines]
    assert actions[:2] == ["staff.deleted", "staff.created"]
    assert "centre.created" in actions
    assert "user_id=5005" in lines[0]
    assert any("slug=crete" in line for line in lines)
    with pytest.raises(SystemExit, match="use 2026-03-01, 2026-03-01T09:00, 7d or 12h"):
        main(["audit", "--since", "yesterday"])


async def a_teams_person(url: str, aad_object_id: str) -> int:
    from bot.db import upgrade_schema
    from bot.services import channels

    await upgrade_schema(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            person = await channels.person(
                session, "teams", aad_object_id, name="Helen Smith", language="en-US"
            )
            await session.commit()
        return person.user_id
    finally:
        await engine.dispose()


def test_an_operator_names_a_teams_person_by_their_entra_id(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aad = "5e1d0b7a-0000-4000-8000-000000000099"
    user_id = asyncio.run(a_teams_person(cli_env, aad))
    assert main(["privacy", "export", "--teams", aad]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["telegram_id"] == user_id
    assert document["channels"]["external_id"] == aad
    assert main(["privacy", "erase", "--teams", aad, "--yes"]) == 0
    assert f"user {user_id}:" in capsys.readouterr().out
    assert main(["privacy", "export", "--teams", aad]) == 0
    assert not privacy.has_personal_data(json.loads(capsys.readouterr().out))
    with pytest.raises(SystemExit):  # one of the two, not both
        main(["privacy", "export", "--teams", aad, "--user", "5"])
