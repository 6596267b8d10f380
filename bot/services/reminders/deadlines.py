"""Nomination deadlines: validation, who may manage them, changes (the file: `deadline_files`).

A deadline's date is entered and shown in local time (`TIMEZONE`, Europe/Athens)
and stored in UTC. Every change re-plans the reminders in the same transaction
(`bot.services.reminders`); moving the date also queues one notice per follower.
Problems are reported as `DeadlineError(code, ...)`: the caller translates `code`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.models import CentreDirectorate, Deadline, SupportCentre
from bot.services.helpdesk.schools import directorate_key
from bot.services.helpdesk.staff import is_admin, staff_centre_ids
from bot.services.reminders.deadline_view import AnyDeadline, DeadlineView
from bot.services.reminders.schedule import localize
from bot.services.reminders.subscriptions import KINDS, ReminderRules, replan_deadline

SCOPES: Final = ("everyone", "centre", "directorate")
TITLE_MAX: Final = 200
NOTES_MAX: Final = 2000
LINK_MAX: Final = 500
END_OF_DAY: Final = time(23, 59)  # a date without a time means "by the end of that day"


class DeadlineError(ValueError):
    """A deadline that cannot be saved; `code` names the problem for translation."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


# --- dates --------------------------------------------------------------------

_DATE_FORMS: Final = (
    re.compile(r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})(?!\d)"),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
)
_TIME_FORM: Final = re.compile(r"(?P<h>\d{1,2})[:.](?P<min>\d{2})")


def parse_when(text: str, tz: ZoneInfo) -> datetime:
    """`15/9/2027 14:00`, `15-09-27`, `2027-09-15 14:00` (local) → an aware UTC datetime.

    A date without a time is the end of that day (23:59). Raises
    DeadlineError("bad_date").
    """
    cleaned = " ".join(text.strip().replace("T", " ").replace(",", " ").split())
    for form in _DATE_FORMS:
        m = form.match(cleaned)
        if m:
            rest = cleaned[m.end() :].strip()
            break
    else:
        raise DeadlineError("bad_date", text)
    year = int(m["y"])
    if year < 100:
        year += 2000
    try:
        day = date(year, int(m["m"]), int(m["d"]))
    except ValueError as exc:
        raise DeadlineError("bad_date", text) from exc
    at = END_OF_DAY
    if rest:
        t = _TIME_FORM.fullmatch(rest.removeprefix("at ").removeprefix("στις ").strip())
        if not t or int(t["h"]) > 23 or int(t["min"]) > 59:
            raise DeadlineError("bad_date", text)
        at = time(int(t["h"]), int(t["min"]))
    return localize(day, at, tz).astimezone(UTC)


def format_local(when: datetime, tz: ZoneInfo) -> str:
    """`2027-09-15 14:00` in local time: the form `parse_when` and YAML files use."""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


# --- drafts -------------------------------------------------------------------


@dataclass
class DeadlineDraft:
    """The fields of a deadline before it is saved (chat flow, YAML import)."""

    kind: str = "other"
    title_el: str = ""
    title_en: str = ""
    due_at: datetime | None = None  # aware
    notes_el: str = ""
    notes_en: str = ""
    scope: str = "everyone"
    centre_id: int | None = None
    directorate: str | None = None
    link: str | None = None
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (for a conversation's persisted user_data)."""
        return {
            "kind": self.kind,
            "title_el": self.title_el,
            "title_en": self.title_en,
            "due_at": self.due_at.astimezone(UTC).isoformat() if self.due_at else None,
            "notes_el": self.notes_el,
            "notes_en": self.notes_en,
            "scope": self.scope,
            "centre_id": self.centre_id,
            "directorate": self.directorate,
            "link": self.link,
            "key": self.key,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeadlineDraft:
        values: dict[str, Any] = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        due = values.get("due_at")
        if isinstance(due, str):
            values["due_at"] = datetime.fromisoformat(due)
        return cls(**values)


_LINK: Final = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_KEY: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def clean_title(text: str) -> str:
    """One line, single spaces; DeadlineError("title_missing" / "title_too_long")."""
    title = " ".join(text.split())
    if not title:
        raise DeadlineError("title_missing")
    if len(title) > TITLE_MAX:
        raise DeadlineError("title_too_long", str(len(title)))
    return title


def clean_notes(text: str) -> str:
    notes = text.strip()
    if len(notes) > NOTES_MAX:
        raise DeadlineError("notes_too_long", str(len(notes)))
    return notes


def clean_link(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    link = text.strip()
    if len(link) > LINK_MAX or not _LINK.fullmatch(link):
        raise DeadlineError("bad_link", link[:80])
    return link


async def validate(
    session: AsyncSession, draft: DeadlineDraft, now: datetime, *, allow_past: bool = False
) -> DeadlineDraft:
    """A cleaned copy of `draft`, or DeadlineError naming the first problem."""
    if draft.kind not in KINDS:
        raise DeadlineError("bad_kind", draft.kind)
    title_el = draft.title_el.strip() or draft.title_en
    title_en = draft.title_en.strip() or draft.title_el
    if draft.due_at is None:
        raise DeadlineError("bad_date")
    if draft.due_at.tzinfo is None:
        raise DeadlineError("bad_date", "naive")
    if not allow_past and draft.due_at <= now:
        raise DeadlineError("past")
    key = draft.key.strip().lower() if draft.key else None
    if key is not None and not _KEY.fullmatch(key):
        raise DeadlineError("bad_key", key)
    cleaned = replace(
        draft,
        title_el=clean_title(title_el),
        title_en=clean_title(title_en),
        notes_el=clean_notes(draft.notes_el),
        notes_en=clean_notes(draft.notes_en),
        link=clean_link(draft.link),
        due_at=draft.due_at.astimezone(UTC),
        key=key,
    )
    return await _check_scope(session, cleaned)


async def _check_scope(session: AsyncSession, draft: DeadlineDraft) -> DeadlineDraft:
    if draft.scope == "everyone":
        return replace(draft, centre_id=None, directorate=None)
    if draft.scope == "centre":
        if draft.centre_id is None or await session.get(SupportCentre, draft.centre_id) is None:
            raise DeadlineError("bad_centre", str(draft.centre_id))
        return replace(draft, directorate=None)
    if draft.scope == "directorate":
        name = " ".join((draft.directorate or "").split())
        if not name:
            raise DeadlineError("bad_directorate")
        known = await session.scalar(
            select(CentreDirectorate).where(CentreDirectorate.name_key == directorate_key(name))
        )
        if known is not None:
            return replace(draft, directorate=known.name, centre_id=known.centre_id)
        if await session.scalar(select(CentreDirectorate.id).limit(1)) is not None:
            raise DeadlineError("bad_directorate", name)  # a list exists and it is not on it
        return replace(draft, directorate=name, centre_id=None)
    raise DeadlineError("bad_scope", draft.scope)


# --- who may manage -------------------------------------------------------------


@dataclass(frozen=True)
class Manager:
    """Someone who may manage deadlines: an administrator, or staff of some centres."""

    user_id: int
    is_admin: bool
    centre_ids: frozenset[int] = field(default_factory=frozenset)

    def may_manage(self, deadline: AnyDeadline | DeadlineDraft) -> bool:
        """Administrators manage all; staff those of their centres and its directorates."""
        if self.is_admin:
            return True
        return deadline.scope != "everyone" and deadline.centre_id in self.centre_ids


async def manager_of(session: AsyncSession, settings: Settings, user_id: int) -> Manager | None:
    """`user_id` as a deadline manager, or None if they may not manage deadlines."""
    centres = frozenset(await staff_centre_ids(session, user_id))
    admin = is_admin(settings, user_id)
    if not admin and not centres:
        return None
    return Manager(user_id, admin, centres)


@dataclass(frozen=True)
class ScopeChoice:
    """A scope a manager may give a deadline (for the chat flow's buttons)."""

    scope: str
    centre_id: int | None = None
    directorate: str | None = None
    label: str = ""  # a centre or directorate name; "" for everyone


async def scope_choices(session: AsyncSession, manager: Manager) -> list[ScopeChoice]:
    """Everyone (administrators), then each centre and its directorates."""
    choices = [ScopeChoice("everyone")] if manager.is_admin else []
    query = select(SupportCentre).order_by(SupportCentre.name)
    if not manager.is_admin:
        query = query.where(SupportCentre.id.in_(manager.centre_ids))
    for centre in await session.scalars(query):
        choices.append(ScopeChoice("centre", centre.id, None, centre.name))
        names = await session.scalars(
            select(CentreDirectorate.name)
            .where(CentreDirectorate.centre_id == centre.id)
            .order_by(CentreDirectorate.name)
        )
        choices.extend(ScopeChoice("directorate", centre.id, name, name) for name in names)
    return choices


# --- changes ------------------------------------------------------------------


async def create_deadline(
    session: AsyncSession,
    draft: DeadlineDraft,
    rules: ReminderRules,
    now: datetime,
    *,
    by: int | None = None,
    allow_past: bool = False,
) -> Deadline:
    """Save a new deadline and plan its reminders (followers hear of it in time). Commits."""
    deadline = await insert_draft(session, draft, now, by=by, allow_past=allow_past)
    await replan_deadline(session, deadline, rules, now, announced=True)
    await session.commit()
    return deadline


async def insert_draft(
    session: AsyncSession,
    draft: DeadlineDraft,
    now: datetime,
    *,
    by: int | None,
    allow_past: bool,
) -> Deadline:
    clean = await validate(session, draft, now, allow_past=allow_past)
    if clean.key and await deadline_by_key(session, clean.key) is not None:
        raise DeadlineError("key_taken", clean.key)
    assert clean.due_at is not None
    deadline = Deadline(
        key=clean.key,
        kind=clean.kind,
        title_el=clean.title_el,
        title_en=clean.title_en,
        notes_el=clean.notes_el,
        notes_en=clean.notes_en,
        due_at=clean.due_at,
        scope=clean.scope,
        centre_id=clean.centre_id,
        directorate=clean.directorate,
        link=clean.link,
        revision=1,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    session.add(deadline)
    await session.flush()
    if deadline.key is None:
        deadline.key = f"deadline-{deadline.id}"  # every deadline can be exported and re-imported
        await session.flush()
    return deadline


async def get_deadline(session: AsyncSession, deadline_id: int) -> DeadlineView | None:
    row = await session.get(Deadline, deadline_id)
    return None if row is None else DeadlineView.of(row)


async def deadline_by_key(session: AsyncSession, key: str) -> Deadline | None:
    return await session.scalar(select(Deadline).where(Deadline.key == key.strip().lower()))


async def _require(session: AsyncSession, deadline_id: int) -> Deadline:
    deadline = await session.get(Deadline, deadline_id)
    if deadline is None:
        raise DeadlineError("not_found", str(deadline_id))
    return deadline


EDITABLE: Final = frozenset(
    {"kind", "title_el", "title_en", "notes_el", "notes_en", "link", "scope", "centre_id",
     "directorate"}
)  # fmt: skip


async def edit_deadline(
    session: AsyncSession,
    deadline_id: int,
    rules: ReminderRules,
    now: datetime,
    **changes: Any,
) -> Deadline:
    """Change fields other than the date (see `move_deadline`). Commits."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    deadline = await _require(session, deadline_id)
    draft = replace(_draft_of(deadline), **changes)
    clean = await validate(session, draft, now, allow_past=True)
    before = (deadline.kind, deadline.scope, deadline.centre_id, deadline.directorate)
    for name in EDITABLE:
        setattr(deadline, name, getattr(clean, name))
    deadline.updated_at = now
    await session.flush()
    if (deadline.kind, deadline.scope, deadline.centre_id, deadline.directorate) != before:
        await replan_deadline(session, deadline, rules, now)
    await session.commit()
    return deadline


async def move_deadline(
    session: AsyncSession,
    deadline_id: int,
    new_due: datetime,
    rules: ReminderRules,
    now: datetime,
) -> Deadline:
    """Give a deadline a new date: reminders are re-planned and followers told once. Commits."""
    deadline = await _require(session, deadline_id)
    await move_to(session, deadline, new_due, rules, now)
    await session.commit()
    return deadline


async def move_to(
    session: AsyncSession,
    deadline: Deadline,
    new_due: datetime,
    rules: ReminderRules,
    now: datetime,
) -> bool:
    if new_due.tzinfo is None:
        raise DeadlineError("bad_date", "naive")
    new_due = new_due.astimezone(UTC)
    if new_due == deadline.due_at:
        return False
    if new_due <= now:
        raise DeadlineError("past")
    deadline.previous_due_at = deadline.due_at
    deadline.due_at = new_due
    deadline.revision += 1
    deadline.updated_at = now
    await session.flush()
    await replan_deadline(session, deadline, rules, now, moved=True)
    return True


async def delete_deadline(session: AsyncSession, deadline_id: int) -> bool:
    """Delete a deadline and its pending reminders; False if it did not exist. Commits."""
    deadline = await session.get(Deadline, deadline_id)
    if deadline is None:
        return False
    await session.delete(deadline)
    await session.commit()
    return True


async def upcoming(
    session: AsyncSession,
    now: datetime,
    *,
    manager: Manager | None = None,
    limit: int | None = None,
) -> list[DeadlineView]:
    """Deadlines still ahead, soonest first (only those `manager` may manage, if given)."""
    rows = await session.scalars(
        select(Deadline).where(Deadline.due_at > now).order_by(Deadline.due_at, Deadline.id)
    )
    found = [DeadlineView.of(d) for d in rows if manager is None or manager.may_manage(d)]
    return found[:limit] if limit is not None else found


def _draft_of(deadline: Deadline) -> DeadlineDraft:
    return DeadlineDraft(
        kind=deadline.kind,
        title_el=deadline.title_el,
        title_en=deadline.title_en,
        due_at=deadline.due_at,
        notes_el=deadline.notes_el,
        notes_en=deadline.notes_en,
        scope=deadline.scope,
        centre_id=deadline.centre_id,
        directorate=deadline.directorate,
        link=deadline.link,
        key=deadline.key,
    )


def title_of(deadline: AnyDeadline, locale: str) -> str:
    return deadline.title_en if locale == "en" else deadline.title_el


def notes_of(deadline: AnyDeadline, locale: str) -> str:
    return (deadline.notes_en if locale == "en" else deadline.notes_el) or ""


def days_until(deadline: AnyDeadline, now: datetime, tz: ZoneInfo) -> int:
    """Whole calendar days from today to the deadline's day, in local time."""
    return (deadline.due_at.astimezone(tz).date() - now.astimezone(tz).date()).days


def is_past(deadline: AnyDeadline, now: datetime) -> bool:
    return deadline.due_at <= now
