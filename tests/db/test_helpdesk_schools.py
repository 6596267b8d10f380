"""Centres and schools on a real database: CSV import (good, bad, repeated) and search."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_settings
from bot.models import School
from bot.services.helpdesk import school_import, schools
from bot.services.helpdesk.school_import import ImportFileError, RejectedRow, RejectReason
from bot.services.helpdesk.schools import SearchOutcome, fold
from tests.helpdesk_world import DATA, build_world


def test_fold_ignores_accents_case_dots_and_final_sigma() -> None:
    assert fold("1ο Γ.Ε.Λ. ΑΘΗΝΏΝ") == fold("1ο γελ αθηνων") == "1ο γελ αθηνων"
    assert fold("Καλαμαριάς") == "καλαμαριασ"


def test_directorate_spellings_meet_on_one_key() -> None:
    assert schools.directorate_key("Δ/νση Δ.Ε. Α' Αθήνας") == schools.directorate_key(
        "ΔΙΕΥΘΥΝΣΗ ΔΕΥΤΕΡΟΒΑΘΜΙΑΣ ΕΚΠΑΙΔΕΥΣΗΣ Α΄ ΑΘΗΝΑΣ"
    )


async def _count(session: AsyncSession) -> int:
    return (await session.scalar(select(func.count()).select_from(School))) or 0


async def test_good_file_is_loaded_and_routed_by_directorate(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)  # imports schools_good.csv
    async with sessions() as session:
        assert await _count(session) == 7
        kal = await schools.school_by_code(session, "1951010")
        zog = await schools.school_by_code(session, "0551040")
    assert kal is not None
    assert kal.name == "3ο Γυμνάσιο Καλαμαριάς"
    assert kal.school_type == "Γυμνάσιο"
    assert kal.centre_id == world.thessaloniki.id
    assert zog is not None
    assert zog.name == 'Γυμνάσιο Ζωγράφου "Ο Άγιος Γεώργιος"'  # quoted CSV field kept whole
    assert zog.centre_id == world.athens.id
    assert world.gym_athens.centre_id == world.athens.id


async def test_windows_greek_file_with_bad_rows_reports_each_rejected_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await build_world(sessions)
    async with sessions() as session:
        report = await school_import.import_schools(
            session, (DATA / "schools_cp1253.csv").read_bytes()
        )
        music = await schools.school_by_code(session, "0551050")
        total = await _count(session)
    assert report.encoding == "cp1253"
    assert report.delimiter == ";"
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.padded == 1
    assert report.rejected == [
        RejectedRow(4, RejectReason.BAD_CODE, "12345"),
        RejectedRow(5, RejectReason.NO_CODE, "Σχολείο χωρίς κωδικό"),
        RejectedRow(6, RejectReason.NO_NAME, "1951040"),
        RejectedRow(7, RejectReason.DUPLICATE, "0551060"),
        RejectedRow(8, RejectReason.BAD_CODE, "ABC1234"),
    ]
    assert report.columns["code"] == "Κωδικός"
    assert report.columns["directorate"] == "Δ/νση"
    # The 6-digit code lost its leading zero in Excel; the capitalised directorate still routes.
    assert music is not None
    assert music.name == "Μουσικό Σχολείο Αθηνών"
    assert music.centre_id == world.athens.id
    assert total == 9


async def test_reimport_updates_and_adds_but_never_duplicates(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await build_world(sessions)
    async with sessions() as session:
        again = await school_import.import_schools(
            session, (DATA / "schools_good.csv").read_bytes()
        )
        assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
        later = await school_import.import_schools(
            session, (DATA / "schools_update.csv").read_bytes()
        )
        assert (later.created, later.updated, later.unchanged) == (1, 1, 6)
        assert later.encoding == "utf-8-sig"  # plain UTF-8 reads through the BOM-tolerant codec
        assert await _count(session) == 8
        renamed = await schools.school_by_code(session, "0551020")
    assert renamed is not None
    assert renamed.name == "2ο Γενικό Λύκειο Αθηνών «Ο Περικλής»"


async def test_a_file_without_code_and_name_columns_is_refused_whole(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        with pytest.raises(ImportFileError) as info:
            await school_import.import_schools(
                session, (DATA / "schools_wrong_columns.csv").read_bytes()
            )
        assert await _count(session) == 0
    assert info.value.code == "columns"
    assert "title_of_book" in info.value.detail


async def test_import_into_an_unknown_centre_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        with pytest.raises(schools.CentreError):
            await school_import.import_schools(
                session, (DATA / "schools_good.csv").read_bytes(), centre_slug="nowhere"
            )
        assert await _count(session) == 0


@pytest.mark.parametrize(
    ("query", "outcome", "codes"),
    [
        ("0551010", SearchOutcome.FOUND, ["0551010"]),
        (" 055 1010 ", SearchOutcome.FOUND, ["0551010"]),
        ("0559999", SearchOutcome.UNKNOWN_CODE, []),
        ("12345", SearchOutcome.BAD_CODE, []),
        ("ΚΑΛΑΜΑΡΙΑ", SearchOutcome.FOUND, ["1951010"]),
        ("γυμνασιο αθηνων", SearchOutcome.FOUND, ["0551010"]),
        ("λυκειο", SearchOutcome.FOUND, ["1951020", "0551020"]),
        ("επαλ", SearchOutcome.FOUND, ["1951030", "0551030"]),
        ("Πολυτεχνείο", SearchOutcome.NO_MATCH, []),
        ("γυ", SearchOutcome.TOO_SHORT, []),
    ],
)
async def test_search_by_code_or_accentless_words(
    sessions: async_sessionmaker[AsyncSession],
    query: str,
    outcome: SearchOutcome,
    codes: list[str],
) -> None:
    await build_world(sessions)
    async with sessions() as session:
        result = await schools.search_schools(session, query)
    assert result.outcome is outcome
    assert [s.code for s in result.schools] == codes


async def test_too_many_matches_asks_for_more_words(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await build_world(sessions)
    async with sessions() as session:
        result = await schools.search_schools(session, "γυμνασιο", limit=2)
    assert result.outcome is SearchOutcome.TOO_MANY
    assert result.total == 3


async def test_default_centre_from_settings_takes_unclaimed_schools(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = load_settings(
        centre_name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Δοκιμών", staff_chat_id=-100555, _env_file=None
    )
    async with sessions() as session:
        centre = await schools.ensure_default_centre(session, settings)
        await school_import.import_schools(session, (DATA / "schools_good.csv").read_bytes())
        school = await session.scalar(select(School).where(School.code == "1951010"))
        assert school is not None
        assert school.centre_id is None  # no centre claims its directorate
        routed = await schools.centre_of_school(session, school)
    assert centre.is_default
    assert centre.staff_chat_id == -100555
    assert routed is not None
    assert routed.id == centre.id


async def test_default_centre_keeps_a_chat_bound_in_telegram_across_restarts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = load_settings(centre_name="ΚΕ.ΠΛΗ.ΝΕ.Τ.", _env_file=None)
    async with sessions() as session:
        centre = await schools.ensure_default_centre(session, settings)
        await schools.set_staff_chat(session, centre.id, -100777, 12)
        again = await schools.ensure_default_centre(session, settings)
    assert (again.id, again.staff_chat_id, again.staff_thread_id) == (centre.id, -100777, 12)


async def test_a_centre_claiming_a_directorate_takes_its_schools(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await school_import.import_schools(session, (DATA / "schools_good.csv").read_bytes())
        centre = await schools.upsert_centre(
            session, "thess", name="Θεσσαλονίκη", directorates=["Δ/ΝΣΗ Δ.Ε. ΑΝΑΤΟΛΙΚΗΣ ΘΕΣ/ΝΙΚΗΣ"]
        )
        kal = await schools.school_by_code(session, "1951010")
    assert kal is not None
    # "ΘΕΣ/ΝΙΚΗΣ" is not "Θεσσαλονίκης": an honest miss, not a wrong guess.
    assert kal.centre_id is None
    async with sessions() as session:
        await schools.upsert_centre(
            session,
            "thess",
            directorates=["Δ/νση Δευτεροβάθμιας Εκπαίδευσης Ανατολικής Θεσσαλονίκης"],
        )
        kal = await schools.school_by_code(session, "1951010")
    assert kal is not None
    assert kal.centre_id == centre.id
