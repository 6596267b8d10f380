"""Support centres, the directorates they serve, and schools (search and CSV import).

A school belongs to the centre that serves its directorate; a school whose
directorate no centre claims belongs to the default centre (the one configured
in settings), so a single-centre deployment needs no directorate list at all.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.models import CentreDirectorate, School, SupportCentre, TeacherSchool, User, utcnow

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


# --- CSV import ---------------------------------------------------------------

# Header names seen in ministry open-data files and in hand-made sheets, folded
# (see `_header_key`). The first two are required.
COLUMN_ALIASES: Final[dict[str, frozenset[str]]] = {
    "code": frozenset(
        {
            "school_code", "code", "κωδικοσ", "κωδικοσ_σχολειου", "κωδ_σχολειου",
            "κωδικοσ_σχολικησ_μοναδασ", "κωδικοσ_μοναδασ", "κωδικοσ_υπουργειου",
            "κωδικοσ_υπαιθ", "κωδικοσ_υπαιθα", "κωδικοσ_υπεθ", "κωδικοσ_μμ",
            "unit_code", "registry_code", "ministry_code", "mm_code", "school_id_code",
        }
    ),
    "name": frozenset(
        {
            "school_name", "name", "ονομασια", "ονομασια_σχολειου", "επωνυμια", "σχολειο",
            "σχολικη_μοναδα", "ονομα", "ονομα_σχολειου", "unit_name", "title",
            "ονομασια_σχολικησ_μοναδασ", "ονομα_σχολικησ_μοναδασ",
        }
    ),
    "school_type": frozenset(
        {"school_type", "type", "τυποσ", "τυποσ_σχολειου", "τυποσ_μοναδασ", "unit_type"}
    ),
    "directorate": frozenset(
        {
            "school_district", "district", "directorate", "διευθυνση", "δνση",
            "διευθυνση_εκπαιδευσησ", "δνση_εκπαιδευσησ", "education_directorate",
            "edu_admin", "education_admin", "administration",
        }
    ),
    "municipality": frozenset(
        {"municipality", "school_municipality", "δημοσ", "city", "town", "πολη"}
    ),
    "phone": frozenset({"phone", "school_phone", "telephone", "τηλεφωνο", "τηλ"}),
    "email": frozenset({"email", "school_email", "e_mail", "mail", "ηλεκτρονικο_ταχυδρομειο"}),
}  # fmt: skip


def _header_key(header: str) -> str:
    return fold(header.lstrip("\ufeff")).replace(" ", "_")


class RejectReason(StrEnum):
    NO_CODE = "no_code"
    BAD_CODE = "bad_code"
    NO_NAME = "no_name"
    DUPLICATE = "duplicate"  # the same code earlier in the file
    SHORT_ROW = "short_row"


@dataclass(frozen=True)
class RejectedRow:
    line: int  # line number in the file, 1 = the header
    reason: RejectReason
    value: str = ""


@dataclass
class ImportReport:
    encoding: str
    delimiter: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    padded: int = 0  # codes that had lost their leading zero in a spreadsheet
    rejected: list[RejectedRow] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # our field -> the file's header


class ImportFileError(Exception):
    """The file as a whole cannot be read; `code` says why, `detail` what was found.

    For `columns`, `detail` is the file's own headers and `missing` the columns
    (`code`, `name`) none of them stands for.
    """

    def __init__(self, code: str, detail: str = "", missing: tuple[str, ...] = ()) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.missing = missing


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in.

    Ministry files come as UTF-8 (with or without BOM), Windows Greek (cp1253)
    from Excel, sometimes ISO-8859-7 or UTF-16.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8-sig", "cp1253", "iso-8859-7"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError("encoding")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
    except csv.Error:
        return max(",;\t|", key=header.count)


def _clean_code(raw: str) -> tuple[str | None, bool]:
    """A 7-digit code from a cell (`0551010`, ` 551010 `, `551010.0`), and if it was padded."""
    value = raw.strip()
    if value.endswith(".0"):  # a spreadsheet turned the code into a number
        value = value[:-2]
    value = value.replace(" ", "")
    if not value.isdigit():
        return None, False
    if len(value) == CODE_LENGTH - 1:
        return "0" + value, True
    return (value, False) if len(value) == CODE_LENGTH else (None, False)


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    school_type: str
    directorate: str
    municipality: str | None
    phone: str | None
    email: str | None


def parse_school_csv(data: bytes) -> tuple[list[_Row], ImportReport]:
    """Rows of a ministry school list, with a report of what was rejected and why."""
    text, encoding = decode_csv_bytes(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportFileError("empty")
    delimiter = _delimiter(text)
    report = ImportReport(encoding=encoding, delimiter=delimiter)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = next(reader)
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _header_key(header)
        for column, aliases in COLUMN_ALIASES.items():
            if column not in positions and key in aliases:
                positions[column] = index
                report.columns[column] = header.strip().lstrip("\ufeff")
    missing = [c for c in ("code", "name") if c not in positions]
    if missing:
        found = ", ".join(h.strip().lstrip("\ufeff") for h in headers if h.strip())
        raise ImportFileError("columns", found, tuple(missing))

    def cell(row: list[str], column: str) -> str:
        index = positions.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    rows: list[_Row] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(positions["code"], positions["name"]):
            report.rejected.append(RejectedRow(line, RejectReason.SHORT_ROW, delimiter.join(row)))
            continue
        raw_code = cell(row, "code")
        if not raw_code:
            report.rejected.append(RejectedRow(line, RejectReason.NO_CODE, cell(row, "name")))
            continue
        code, padded = _clean_code(raw_code)
        if code is None:
            report.rejected.append(RejectedRow(line, RejectReason.BAD_CODE, raw_code))
            continue
        name = " ".join(cell(row, "name").split())
        if not name:
            report.rejected.append(RejectedRow(line, RejectReason.NO_NAME, code))
            continue
        if code in seen:
            report.rejected.append(RejectedRow(line, RejectReason.DUPLICATE, code))
            continue
        seen.add(code)
        report.padded += padded
        rows.append(
            _Row(
                line=line,
                code=code,
                name=name,
                school_type=cell(row, "school_type"),
                directorate=" ".join(cell(row, "directorate").split()),
                municipality=cell(row, "municipality") or None,
                phone=cell(row, "phone") or None,
                email=cell(row, "email") or None,
            )
        )
    return rows, report


async def import_schools(
    session: AsyncSession,
    data: bytes,
    *,
    centre_slug: str | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Load a school list; new codes are added, known codes updated, never duplicated.

    With `centre_slug` every school in the file goes to that centre; otherwise
    each goes to the centre serving its directorate (or the default centre).
    Commits once, at the end, so a file that fails leaves the list as it was.
    """
    rows, report = parse_school_csv(data)
    forced: SupportCentre | None = None
    if centre_slug is not None:
        forced = await session.scalar(
            select(SupportCentre).where(SupportCentre.slug == centre_slug.strip().lower())
        )
        if forced is None:
            raise CentreError("unknown_centre", centre_slug)
    directorates = dict(
        (
            await session.execute(select(CentreDirectorate.name_key, CentreDirectorate.centre_id))
        ).all()
    )
    # All schools, not `code IN (...)`: a national list outgrows the drivers' parameter limits.
    existing = {s.code: s for s in await session.scalars(select(School))}
    stamp = now or utcnow()
    for row in rows:
        centre_id = (
            forced.id
            if forced is not None
            else directorates.get(directorate_key(row.directorate))
            if row.directorate
            else None
        )
        values: dict[str, object] = {
            "name": row.name,
            "name_key": fold(row.name),
            "school_type": row.school_type,
            "directorate": row.directorate,
            "municipality": row.municipality,
            "phone": row.phone,
            "email": row.email,
        }
        school = existing.get(row.code)
        if school is None:
            session.add(School(code=row.code, centre_id=centre_id, updated_at=stamp, **values))
            report.created += 1
            continue
        if centre_id is not None:
            values["centre_id"] = centre_id
        changed = {k: v for k, v in values.items() if getattr(school, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(school, key, value)
            school.updated_at = stamp
            report.updated += 1
        else:
            report.unchanged += 1
    await session.commit()
    return report
