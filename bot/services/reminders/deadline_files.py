"""The deadlines file: a YAML list of dates the staff import and export (`keplibot deadlines`).

Importing is all or nothing: every entry is checked first and a `DeadlineFileError`
lists every bad one; an entry whose key exists updates (or moves) that deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Deadline, SupportCentre
from bot.services.reminders.deadlines import (
    EDITABLE,
    END_OF_DAY,
    DeadlineDraft,
    DeadlineError,
    deadline_by_key,
    format_local,
    insert_draft,
    move_to,
    parse_when,
    validate,
)
from bot.services.reminders.schedule import localize
from bot.services.reminders.subscriptions import ReminderRules, replan_deadline


class DeadlineFileError(ValueError):
    """A deadlines file that cannot be imported; `problems` lists every bad entry.

    Each problem is (entry number from 1 or 0 for the whole file, the entry's key
    if it has one, the DeadlineError).
    """

    def __init__(self, problems: Sequence[tuple[int, str | None, DeadlineError]]) -> None:
        super().__init__("; ".join(f"entry {n}: {error}" for n, _, error in problems))
        self.problems = list(problems)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _text_pair(value: Any, what: str) -> tuple[str, str]:
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value, value
    if isinstance(value, Mapping):
        el, en = value.get("el") or "", value.get("en") or ""
        if isinstance(el, str) and isinstance(en, str):
            return el, en
    raise DeadlineError("bad_text", what)


def _when(value: Any, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return localize(value.date(), value.time(), tz).astimezone(UTC)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return localize(value, END_OF_DAY, tz).astimezone(UTC)
    if isinstance(value, str):
        return parse_when(value, tz)
    raise DeadlineError("bad_date", repr(value))


async def _scope_of(session: AsyncSession, value: Any) -> tuple[str, int | None, str | None]:
    if value in (None, "everyone", "all"):
        return "everyone", None, None
    if isinstance(value, Mapping) and len(value) == 1:
        ((kind, ref),) = value.items()
        if kind == "centre":
            centre = await session.scalar(
                select(SupportCentre).where(SupportCentre.slug == str(ref).strip().lower())
            )
            if centre is None:
                raise DeadlineError("bad_centre", str(ref))
            return "centre", centre.id, None
        if kind == "directorate":
            return "directorate", None, str(ref)
    raise DeadlineError("bad_scope", str(value))


async def parse_file(
    session: AsyncSession, text: str, tz: ZoneInfo, now: datetime
) -> list[DeadlineDraft]:
    """Read a deadlines YAML file; DeadlineFileError lists every entry that is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DeadlineFileError([(0, None, DeadlineError("bad_yaml", str(exc)))]) from None
    entries = data.get("deadlines") if isinstance(data, Mapping) else data
    if not isinstance(entries, list):
        raise DeadlineFileError([(0, None, DeadlineError("no_list"))])
    drafts: list[DeadlineDraft] = []
    problems: list[tuple[int, str | None, DeadlineError]] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        key: str | None = None
        try:
            if not isinstance(entry, Mapping):
                raise DeadlineError("not_a_mapping")
            key = str(entry["key"]) if entry.get("key") else None
            unknown = set(entry) - _FILE_FIELDS
            if unknown:
                raise DeadlineError("unknown_fields", ", ".join(sorted(map(str, unknown))))
            if key is None:
                raise DeadlineError("key_missing")
            title_el, title_en = _text_pair(entry.get("title"), "title")
            notes_el, notes_en = _text_pair(entry.get("notes"), "notes")
            scope, centre_id, directorate = await _scope_of(session, entry.get("scope"))
            draft = await validate(
                session,
                DeadlineDraft(
                    kind=str(entry.get("kind", "other")),
                    title_el=title_el,
                    title_en=title_en,
                    notes_el=notes_el,
                    notes_en=notes_en,
                    due_at=_when(entry.get("at"), tz),
                    scope=scope,
                    centre_id=centre_id,
                    directorate=directorate,
                    link=entry.get("link"),
                    key=key,
                ),
                now,
                allow_past=True,
            )
            assert draft.key is not None
            if draft.key in seen:
                raise DeadlineError("duplicate_key", draft.key)
            seen.add(draft.key)
            drafts.append(draft)
        except DeadlineError as exc:
            problems.append((number, key, exc))
    if problems:
        raise DeadlineFileError(problems)
    return drafts


_FILE_FIELDS: Final = frozenset({"key", "kind", "title", "notes", "at", "scope", "link"})


async def import_drafts(
    session: AsyncSession,
    drafts: Iterable[DeadlineDraft],
    rules: ReminderRules,
    now: datetime,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Create or update deadlines by key, all or nothing; a changed date counts as a move."""
    report = ImportReport()
    try:
        for draft in drafts:
            assert draft.key is not None
            assert draft.due_at is not None
            existing = await deadline_by_key(session, draft.key)
            if existing is None:
                deadline = await insert_draft(session, draft, now, by=None, allow_past=True)
                await replan_deadline(session, deadline, rules, now, announced=True)
                report.created.append(draft.key)
                continue
            changed = False
            for name in EDITABLE:
                if getattr(existing, name) != getattr(draft, name):
                    setattr(existing, name, getattr(draft, name))
                    changed = True
            if changed:
                existing.updated_at = now
                await session.flush()
                await replan_deadline(session, existing, rules, now)
            if existing.due_at != draft.due_at and draft.due_at > now:
                await move_to(session, existing, draft.due_at, rules, now)
                report.moved.append(draft.key)
            elif existing.due_at != draft.due_at:
                # Correcting the record of a date already past: nobody is to be told.
                existing.previous_due_at = existing.due_at
                existing.due_at = draft.due_at
                existing.revision += 1
                existing.updated_at = now
                await session.flush()
                await replan_deadline(session, existing, rules, now)
                report.updated.append(draft.key)
            elif changed:
                report.updated.append(draft.key)
            else:
                report.unchanged.append(draft.key)
    except BaseException:
        await session.rollback()
        raise
    if dry_run:
        await session.rollback()
    else:
        await session.commit()
    return report


async def export_file(session: AsyncSession, tz: ZoneInfo, *, since: datetime | None) -> str:
    """Every deadline (or those after `since`) as YAML that `import` reads back."""
    query = select(Deadline).order_by(Deadline.due_at, Deadline.id)
    if since is not None:
        query = query.where(Deadline.due_at > since)
    slugs = {
        i: slug for i, slug in await session.execute(select(SupportCentre.id, SupportCentre.slug))
    }
    entries: list[dict[str, Any]] = []
    for d in await session.scalars(query):
        entry: dict[str, Any] = {
            "key": d.key or f"deadline-{d.id}",
            "kind": d.kind,
            "title": {"el": d.title_el, "en": d.title_en},
        }
        if d.notes_el or d.notes_en:
            entry["notes"] = {"el": d.notes_el, "en": d.notes_en}
        entry["at"] = format_local(d.due_at, tz)
        if d.scope == "centre" and d.centre_id in slugs:
            entry["scope"] = {"centre": slugs[d.centre_id]}
        elif d.scope == "directorate" and d.directorate:
            entry["scope"] = {"directorate": d.directorate}
        else:
            entry["scope"] = "everyone"
        if d.link:
            entry["link"] = d.link
        entries.append(entry)
    header = (
        f"# keplibot deadlines. `at` is local time ({tz.key}); `key` identifies a deadline:\n"
        "# importing a file again updates the deadlines with the same key.\n"
    )
    body = yaml.safe_dump({"deadlines": entries}, allow_unicode=True, sort_keys=False, width=100)
    return header + body
