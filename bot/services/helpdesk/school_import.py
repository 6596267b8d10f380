"""Schools from a CSV file (the ministry's export or a hand-made list): decoding,
parsing with the rows refused and why, and the import itself."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import CentreDirectorate, School, SupportCentre, utcnow
from bot.services.helpdesk.schools import CODE_LENGTH, CentreError, directorate_key, fold

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
