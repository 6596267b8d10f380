"""The helpdesk's `keplibot` sub-commands: centres, school import, staff invites, export."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.db import create_engine, session_factory
from bot.services.helpdesk import schools, staff, ticket_changes, tickets
from bot.services.helpdesk.ticket_workflow import Action
from tests.helpdesk_world import ATHENS_STAFF, DATA, T0, TEACHER, build_world, draft


@pytest.fixture
def cli_env(sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_database_url)
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.chdir(Path(sqlite_database_url.removeprefix("sqlite+aiosqlite:///")).parent)
    return sqlite_database_url


def test_import_reports_rejected_rows_and_reimport_updates(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schools", "import", str(DATA / "schools_good.csv")]) == 0
    assert "Schools added: 7, updated: 0, unchanged: 0." in capsys.readouterr().out
    assert main(["schools", "import", str(DATA / "schools_cp1253.csv")]) == 0
    out = capsys.readouterr().out
    assert "read as cp1253" in out
    assert "Rejected rows: 5" in out
    assert "line 4: the code is not 7 digits (12345)" in out
    assert "line 7: the same code appears earlier in the file (0551060)" in out
    assert main(["schools", "import", str(DATA / "schools_update.csv")]) == 0
    assert "Schools added: 1, updated: 1, unchanged: 6." in capsys.readouterr().out
    assert main(["schools", "find", "θερμησ"]) == 0
    found = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in found] == ["1951050", "1951030"]


def test_a_file_that_is_not_a_school_list_fails_clearly(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schools", "import", str(DATA / "schools_wrong_columns.csv")]) == 1
    err = capsys.readouterr().err
    assert "has no column of school codes and none of names. Its columns: id, title_of_book" in err
    assert main(["schools", "import", str(DATA / "no-such-file.csv")]) == 1
    assert "Cannot read" in capsys.readouterr().err


def test_a_missing_column_is_named_in_the_operators_language(
    cli_env: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEFAULT_LOCALE", "el")
    names_only = tmp_path / "names.csv"
    names_only.write_text("Ονομασία;Δήμος\n1ο Γυμνάσιο Αθηνών;Αθηναίων\n", encoding="utf-8")
    assert main(["schools", "import", str(names_only)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        f"Το {names_only} δεν έχει στήλη με κωδικούς σχολείων. Οι στήλες του: Ονομασία, Δήμος."
    )
    # The ministry's Greek headers are known: «Κωδικός ΥΠΑΙΘ» is the code.
    greek = tmp_path / "greek.csv"
    greek.write_text(
        "Κωδικός ΥΠΑΙΘ;Ονομασία Σχολικής Μονάδας\n0551010;1ο Γυμνάσιο Αθηνών\n", encoding="utf-8"
    )
    assert main(["schools", "import", str(greek)]) == 0
    assert "Σχολεία που προστέθηκαν: 1" in capsys.readouterr().out


def test_centres_add_and_list(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "centres",
                "add",
                "athens-a",
                "--name",
                "ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας",
                "--directorate",
                "Δ/νση Δ.Ε. Α' Αθήνας",
                "--staff-chat",
                "-1001",
                "--topic",
                "7",
            ]
        )
        == 0
    )
    assert main(["centres", "add", "new-one"]) == 1
    assert "needs --name" in capsys.readouterr().err
    assert main(["centres", "list"]) == 0
    out = capsys.readouterr().out
    assert "athens-a: ΚΕ.ΠΛΗ.ΝΕ.Τ. Α' Αθήνας" in out
    assert "staff chat: -1001 / topic 7" in out
    assert "default: ΚΕ.ΠΛΗ.ΝΕ.Τ. (default)" in out


def test_staff_invite_prints_a_one_time_link(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["centres", "add", "athens-a", "--name", "Αθήνα Α"]) == 0
    capsys.readouterr()
    assert main(["staff", "invite", "--centre", "athens-a", "--bot-username", "keplibot"]) == 0
    link = capsys.readouterr().out.splitlines()[-1]
    assert link.startswith("https://t.me/keplibot?start=staff-")
    assert main(["staff", "invite", "--centre", "nowhere"]) == 1
    assert "Unknown centre «nowhere». Centres: athens-a, default" in capsys.readouterr().err

    async def redeem() -> bool:
        engine = create_engine(cli_env)
        try:
            async with session_factory(engine)() as session:
                token = link.split("start=staff-", 1)[1]
                await staff.redeem_invite(session, token, user_id=77, name="Άννα", now=T0)
                centre = await schools.centre_by_slug(session, "athens-a")
                assert centre is not None
                return await staff.is_staff(session, 77, centre.id)
        finally:
            await engine.dispose()

    assert asyncio.run(redeem())
    assert main(["staff", "list", "--centre", "athens-a"]) == 0
    assert "77  Άννα" in capsys.readouterr().out
    assert main(["staff", "remove", "--centre", "athens-a", "--user", "77"]) == 0
    assert main(["staff", "remove", "--centre", "athens-a", "--user", "77"]) == 1


def test_export_writes_one_csv_row_per_ticket_since_the_day(
    cli_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    async def seed() -> None:
        engine = create_engine(cli_env)
        try:
            sessions = session_factory(engine)
            world = await build_world(sessions)
            async with sessions() as session:
                old = await tickets.create_ticket(
                    session,
                    draft(world.gym_athens),
                    TEACHER,
                    reporter_locale="el",
                    now=T0 - timedelta(days=40),
                )
                new = await tickets.create_ticket(
                    session,
                    draft(world.gym_athens, description='Ο εκτυπωτής, "μπλοκάρει"'),
                    TEACHER,
                    reporter_locale="el",
                    now=T0,
                )
                await tickets.create_ticket(
                    session, draft(world.gym_kalamaria), TEACHER, reporter_locale="el", now=T0
                )
                await ticket_changes.apply_action(
                    session, new.id, ATHENS_STAFF, Action.TAKE, now=T0 + timedelta(minutes=15)
                )
                await ticket_changes.apply_action(
                    session, new.id, ATHENS_STAFF, Action.RESOLVE, now=T0 + timedelta(hours=3)
                )
                assert old.reference == "KPL-2026-00001"
        finally:
            await engine.dispose()

    asyncio.run(seed())
    output = tmp_path / "export.csv"
    args = ["tickets", "export", "--centre", "athens-a", "--since", "2026-03-01"]
    assert main([*args, "--format", "csv", "--output", str(output)]) == 0
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1  # the old one is before --since, the Thessaloniki one elsewhere
    row = rows[0]
    assert row["reference"] == "KPL-2026-00002"
    assert row["status"] == "resolved"
    assert row["status_label"] == "Resolved"
    assert row["category_label"] == "Computer"
    assert row["school_code"] == "0551010"
    assert row["assignee"] == ATHENS_STAFF.name
    assert row["minutes_to_first_response"] == "15.0"
    assert row["hours_to_resolution"] == "3.0"
    assert row["created_at"] == "2026-03-02T10:30+02:00"  # Athens time
    assert row["description"] == 'Ο εκτυπωτής, "μπλοκάρει"'
    assert main(["tickets", "export", "--since", "yesterday"]) == 2
    assert "--since must be a date" in capsys.readouterr().err
    assert main(["tickets", "summary", "--centre", "athens-a", "--since", "2026-03-01"]) == 0
    summary = capsys.readouterr().out
    assert "New tickets: 1. Open now (all): 1." in summary
    assert "Median time to first response: 15 min" in summary
    assert "Median time to resolution: 3 h" in summary
