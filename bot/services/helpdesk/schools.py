"""Support centres, the directorates they serve, and schools (search, the teacher's school).

The CSV import of schools is `bot.services.helpdesk.school_import`.

A school belongs to the centre that serves its directorate; a school whose
directorate no centre claims belongs to the default centre (the one configured
in settings), so a single-centre deployment needs no directorate list at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.models import CentreDirectorate, School, SupportCentre, TeacherSchool, User

DEFAULT_CENTRE_SLUG: Final = "default"
CODE_LENGTH: Final = 7

# --- text folding -------------------------------------------------------------

_DROP = str.maketrans("", "", ".'΄’ʼ`´\"«»/")
_NON_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, no accents, final sigma as σ, dots and slashes dropped, one space.

    `1ο Γ.Ε.Λ. Αθηνών` and `1ο γελ αθηνων` fold to the same text, so teachers
    find their school however they type it.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.casefold().translate(_DROP)
    return " ".join(_NON_WORD.sub(" ", bare).split())


# Directorate names are written many ways in ministry files and by people.
_DIRECTORATE_WORDS: Final = {
    "διευθυνση": "δνση",
    "δευτεροβαθμιασ": "δε",
    "δθμιασ": "δε",
    "δευτ": "δε",
    "εκπαιδευσησ": "",
    "εκπσησ": "",
    "εκπ": "",
}


def directorate_key(name: str) -> str:
    """A key under which spellings of the same directorate meet.

    `Δ/νση Δ.Ε. Α' Αθήνας` and `ΔΙΕΥΘΥΝΣΗ ΔΕΥΤΕΡΟΒΑΘΜΙΑΣ ΕΚΠΑΙΔΕΥΣΗΣ Α΄ ΑΘΗΝΑΣ`
    both give `δνση δε α αθηνασ`.
    """
    words = [_DIRECTORATE_WORDS.get(w, w) for w in fold(name).split()]
    return " ".join(w for w in words if w)


# --- centres ------------------------------------------------------------------


@dataclass(frozen=True)
class CentreInfo:
    id: int
    slug: str
    name: str
    phone: str | None
    email: str | None
    helpdesk_email: str | None
    staff_chat_id: int | None
    staff_thread_id: int | None
    is_default: bool
    directorates: tuple[str, ...] = ()

    @classmethod
    def of(cls, centre: SupportCentre, directorates: Iterable[str] = ()) -> CentreInfo:
        return cls(
            id=centre.id,
            slug=centre.slug,
            name=centre.name,
            phone=centre.phone,
            email=centre.email,
            helpdesk_email=centre.helpdesk_email,
            staff_chat_id=centre.staff_chat_id,
            staff_thread_id=centre.staff_thread_id,
            is_default=centre.is_default,
            directorates=tuple(directorates),
        )


class CentreError(Exception):
    """A centre operation that cannot be done; `code` says which (for translation)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


async def _directorates_of(session: AsyncSession, centre_id: int) -> list[str]:
    rows = await session.scalars(
        select(CentreDirectorate.name)
        .where(CentreDirectorate.centre_id == centre_id)
        .order_by(CentreDirectorate.name)
    )
    return list(rows)


async def _claim_directorates(
    session: AsyncSession, centre: SupportCentre, names: Iterable[str]
) -> None:
    """Make `centre` serve `names`, taking a directorate over from another centre if needed."""
    for name in names:
        key = directorate_key(name)
        if not key:
            continue
        existing = await session.scalar(
            select(CentreDirectorate).where(CentreDirectorate.name_key == key)
        )
        if existing is None:
            session.add(CentreDirectorate(centre_id=centre.id, name=name.strip(), name_key=key))
        else:
            existing.centre_id = centre.id
            existing.name = name.strip()
    await session.flush()


async def relink_schools(session: AsyncSession) -> int:
    """Point every school at the centre serving its directorate; return how many moved."""
    mapping = dict(
        (
            await session.execute(select(CentreDirectorate.name_key, CentreDirectorate.centre_id))
        ).all()
    )
    moved = 0
    for school in await session.scalars(select(School)):
        centre_id = (
            mapping.get(directorate_key(school.directorate)) if school.directorate else None
        )
        if centre_id is not None and school.centre_id != centre_id:
            school.centre_id = centre_id
            moved += 1
    await session.flush()
    return moved


async def upsert_centre(
    session: AsyncSession,
    slug: str,
    *,
    name: str | None = None,
    directorates: Sequence[str] = (),
    phone: str | None = None,
    email: str | None = None,
    helpdesk_email: str | None = None,
    staff_chat_id: int | None = None,
    staff_thread_id: int | None = None,
    is_default: bool | None = None,
) -> CentreInfo:
    """Create the centre `slug` or update the fields given (None leaves a field as it is).

    Commits. Schools of the directorates given move to this centre.
    """
    slug = slug.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", slug):
        raise CentreError("bad_slug", slug)
    centre = await session.scalar(select(SupportCentre).where(SupportCentre.slug == slug))
    if centre is None:
        if not name:
            raise CentreError("name_required", slug)
        centre = SupportCentre(slug=slug, name=name, is_default=bool(is_default))
        session.add(centre)
    for attr, value in (
        ("name", name),
        ("phone", phone),
        ("email", email),
        ("helpdesk_email", helpdesk_email),
        ("staff_chat_id", staff_chat_id),
        ("staff_thread_id", staff_thread_id),
    ):
        if value is not None:
            setattr(centre, attr, value)
    if is_default:
        await session.execute(update(SupportCentre).values(is_default=False))
        centre.is_default = True
    await session.flush()
    if directorates:
        await _claim_directorates(session, centre, directorates)
        await relink_schools(session)
    await session.commit()
    return CentreInfo.of(centre, await _directorates_of(session, centre.id))


async def ensure_default_centre(session: AsyncSession, settings: Settings) -> CentreInfo:
    """The default centre, created or refreshed from settings (commits).

    Settings win where they give a value; where they are empty the stored value
    stays, so a staff chat bound from Telegram (`/staffchat`) survives a restart.
    """
    return await upsert_centre(
        session,
        DEFAULT_CENTRE_SLUG,
        name=settings.centre_name,
        directorates=settings.centre_directorates,
        phone=settings.centre_phone,
        email=settings.centre_email,
        helpdesk_email=settings.helpdesk_email,
        staff_chat_id=settings.staff_chat_id,
        staff_thread_id=settings.staff_thread_id,
        is_default=(
            await session.scalar(
                select(func.count()).select_from(SupportCentre).where(SupportCentre.is_default)
            )
        )
        == 0,
    )


async def list_centres(session: AsyncSession) -> list[CentreInfo]:
    centres = await session.scalars(select(SupportCentre).order_by(SupportCentre.name))
    return [CentreInfo.of(c, await _directorates_of(session, c.id)) for c in centres]


async def get_centre(session: AsyncSession, centre_id: int) -> CentreInfo | None:
    centre = await session.get(SupportCentre, centre_id)
    return (
        None
        if centre is None
        else CentreInfo.of(centre, await _directorates_of(session, centre_id))
    )


async def centre_by_slug(session: AsyncSession, slug: str) -> CentreInfo | None:
    centre = await session.scalar(
        select(SupportCentre).where(SupportCentre.slug == slug.strip().lower())
    )
    return (
        None
        if centre is None
        else CentreInfo.of(centre, await _directorates_of(session, centre.id))
    )


async def default_centre(session: AsyncSession) -> SupportCentre | None:
    """The default centre; with no default marked, the only centre if there is one."""
    centre = await session.scalar(select(SupportCentre).where(SupportCentre.is_default))
    if centre is not None:
        return centre
    centres = list(await session.scalars(select(SupportCentre).limit(2)))
    return centres[0] if len(centres) == 1 else None


async def centre_of_school(session: AsyncSession, school: School) -> SupportCentre | None:
    if school.centre_id is not None:
        return await session.get(SupportCentre, school.centre_id)
    return await default_centre(session)


async def set_staff_chat(
    session: AsyncSession, centre_id: int, chat_id: int, thread_id: int | None
) -> CentreInfo:
    """Bind a centre's staff chat (and forum topic); commits."""
    centre = await session.get(SupportCentre, centre_id)
    if centre is None:
        raise CentreError("unknown_centre", str(centre_id))
    centre.staff_chat_id = chat_id
    centre.staff_thread_id = thread_id
    await session.commit()
    return CentreInfo.of(centre, await _directorates_of(session, centre_id))


async def move_staff_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """A staff group became a supergroup (new chat id): move every centre that used it.

    The forum topic stays (a group's topics begin with the supergroup). Not committed;
    returns how many centres moved.
    """
    result = await session.execute(
        update(SupportCentre)
        .where(SupportCentre.staff_chat_id == old_chat_id)
        .values(staff_chat_id=new_chat_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def centres_of_staff_chat(session: AsyncSession, chat_id: int) -> list[CentreInfo]:
    centres = await session.scalars(
        select(SupportCentre).where(SupportCentre.staff_chat_id == chat_id)
    )
    return [CentreInfo.of(c) for c in centres]


# --- schools ------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolInfo:
    id: int
    code: str
    name: str
    school_type: str
    directorate: str
    municipality: str | None
    centre_id: int | None

    @classmethod
    def of(cls, school: School) -> SchoolInfo:
        return cls(
            id=school.id,
            code=school.code,
            name=school.name,
            school_type=school.school_type,
            directorate=school.directorate,
            municipality=school.municipality,
            centre_id=school.centre_id,
        )


@dataclass(frozen=True)
class Unroutable:
    """Schools whose fault reports would reach no staff chat, and why.

    `centre` None: no centre serves them (their directorate is no centre's and there is
    no default centre); else their centre has no staff chat.
    """

    centre: CentreInfo | None
    schools: tuple[SchoolInfo, ...]

    @property
    def directorates(self) -> tuple[str, ...]:
        return tuple(sorted({s.directorate for s in self.schools}))


async def unroutable_schools(session: AsyncSession) -> list[Unroutable]:
    """The schools whose tickets would reach no one, by centre (the centreless first)."""
    centres = {c.id: c for c in await session.scalars(select(SupportCentre))}
    default = next((c for c in centres.values() if c.is_default), None)
    groups: dict[int | None, list[SchoolInfo]] = {}
    for school in await session.scalars(select(School).order_by(School.code)):
        centre = centres.get(school.centre_id) if school.centre_id is not None else default
        if centre is None:
            groups.setdefault(None, []).append(SchoolInfo.of(school))
        elif centre.staff_chat_id is None:
            groups.setdefault(centre.id, []).append(SchoolInfo.of(school))
    return [
        Unroutable(CentreInfo.of(centres[key]) if key is not None else None, tuple(found))
        for key, found in sorted(groups.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0))
    ]


class SearchOutcome(StrEnum):
    FOUND = "found"  # one or more matches in `schools`
    BAD_CODE = "bad_code"  # digits, but not a 7-digit code
    UNKNOWN_CODE = "unknown_code"  # a well-formed code that is not in the list
    NO_MATCH = "no_match"  # no school name contains every word given
    TOO_SHORT = "too_short"  # fewer than 3 letters to search by
    TOO_MANY = "too_many"  # more matches than `limit`: ask for more words


@dataclass(frozen=True)
class SearchResult:
    outcome: SearchOutcome
    schools: tuple[SchoolInfo, ...] = ()
    total: int = 0


def _code_like(query: str) -> str | None:
    compact = re.sub(r"[\s.-]", "", query)
    return compact if compact.isdigit() else None


async def search_schools(session: AsyncSession, query: str, limit: int = 8) -> SearchResult:
    """Find a school by its 7-digit code or by words of its name (any accents, any case)."""
    code = _code_like(query)
    if code is not None:
        if len(code) != CODE_LENGTH:
            return SearchResult(SearchOutcome.BAD_CODE)
        school = await session.scalar(select(School).where(School.code == code))
        if school is None:
            return SearchResult(SearchOutcome.UNKNOWN_CODE)
        return SearchResult(SearchOutcome.FOUND, (SchoolInfo.of(school),), 1)
    words = fold(query).split()
    if sum(len(w) for w in words) < 3:
        return SearchResult(SearchOutcome.TOO_SHORT)
    conditions = [School.name_key.contains(w, autoescape=True) for w in words]
    total = await session.scalar(select(func.count()).select_from(School).where(*conditions))
    if not total:
        return SearchResult(SearchOutcome.NO_MATCH)
    if total > limit:
        return SearchResult(SearchOutcome.TOO_MANY, total=total)
    # A word that starts the name ranks first: "αθηνων" should not bury "Αθηνών 1ο ΓΕΛ".
    starts = or_(*(School.name_key.startswith(w, autoescape=True) for w in words))
    rows = await session.scalars(
        select(School).where(*conditions).order_by(starts.desc(), School.name_key).limit(limit)
    )
    return SearchResult(SearchOutcome.FOUND, tuple(SchoolInfo.of(s) for s in rows), total)


async def get_school(session: AsyncSession, school_id: int) -> SchoolInfo | None:
    school = await session.get(School, school_id)
    return None if school is None else SchoolInfo.of(school)


async def school_by_code(session: AsyncSession, code: str) -> SchoolInfo | None:
    school = await session.scalar(select(School).where(School.code == code))
    return None if school is None else SchoolInfo.of(school)


# --- the teacher's school -----------------------------------------------------
# Set in the fault report, offered again at the next one; the reminders take the
# teacher's area (centre, directorate) from it.


async def remember_school(
    session: AsyncSession, user_id: int, school_id: int, now: datetime
) -> None:
    """Record `school_id` as the school `user_id` reports faults for. Commits."""
    if await session.get(User, user_id) is None:  # normally recorded by every update
        session.add(User(id=user_id, first_seen=now, last_seen=now))
        await session.flush()
    row = await session.get(TeacherSchool, user_id)
    if row is None:
        session.add(TeacherSchool(user_id=user_id, school_id=school_id, updated_at=now))
    else:
        row.school_id = school_id
        row.updated_at = now
    await session.commit()


async def _teacher_school(session: AsyncSession, user_id: int) -> School | None:
    return await session.scalar(
        select(School)
        .join(TeacherSchool, TeacherSchool.school_id == School.id)
        .where(TeacherSchool.user_id == user_id)
    )


async def remembered_school(session: AsyncSession, user_id: int) -> SchoolInfo | None:
    """The school `user_id` set for fault reports, or None."""
    school = await _teacher_school(session, user_id)
    return None if school is None else SchoolInfo.of(school)


async def centre_of_teacher(session: AsyncSession, user_id: int) -> CentreInfo | None:
    """The centre serving the school `user_id` set for fault reports (None: no school yet,
    or no centre for it)."""
    school = await _teacher_school(session, user_id)
    centre = None if school is None else await centre_of_school(session, school)
    return None if centre is None else CentreInfo.of(centre)


async def remembered_schools(
    session: AsyncSession, user_ids: Sequence[int]
) -> dict[int, SchoolInfo]:
    """`remembered_school` of many users at once (those with none are left out)."""
    found: dict[int, SchoolInfo] = {}
    ids = list(user_ids)
    for start in range(0, len(ids), 5000):  # within the bound-parameter limits
        rows = await session.execute(
            select(TeacherSchool.user_id, School)
            .join(School, School.id == TeacherSchool.school_id)
            .where(TeacherSchool.user_id.in_(ids[start : start + 5000]))
        )
        found.update((user_id, SchoolInfo.of(school)) for user_id, school in rows)
    return found
