"""The audit log: who changed what, and when, among the things staff and administrators manage.

Every change to the audited tables (staff, invites, centres and their directorates,
schools, deadlines) is recorded *by the database session itself*, whichever code
path makes it: the chat, the CLI, an import, or a feature added later. Two
SQLAlchemy session events do it:

- `before_flush`: objects added, changed (with the old and new value of each changed
  column) or deleted through the ORM;
- `do_orm_execute`: bulk `update(...)` and `delete(...)` statements on those tables
  (e.g. an invite claimed, a staff member removed), whose rows are read before and
  after the statement.

The entries are added to the same session, so they are committed (or rolled back)
with the change itself. *Who* comes from `current_actor()`, a context variable: the
bot sets it to the Telegram user of each update (`handlers.privacy`), the CLI to the
operator (`bot.cli`); anything else (start-up, jobs) is the system. Actions that
change no audited row (a privacy export by an operator) are recorded with `record`.

A change of many rows at once (a school list import) is one entry with a count and
a sample, not thousands.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Table, and_, event, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.base import NO_VALUE

from bot.models import AuditEntry, Base, utcnow
from bot.services.actor import ACTOR_KINDS, SYSTEM, Actor, acting_as, current_actor, set_actor

# table name -> (entity name in actions, the columns that identify a row to a reader)
AUDITED: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "helpdesk_staff": ("staff", ("centre_id", "user_id", "name")),
    "staff_invites": ("invite", ("id", "centre_id")),
    "support_centres": ("centre", ("id", "slug")),
    "centre_directorates": ("centre_directorate", ("centre_id", "name")),
    "schools": ("school", ("code",)),
    "deadlines": ("deadline", ("id", "key")),
}
# Never written to the log: secrets, and columns that only follow others.
_HIDDEN: Final = frozenset({"token", "updated_at", "name_key"})
# More rows than this in one flush (an import) make one summary entry.
SUMMARY_AFTER: Final = 10
SAMPLE: Final = 10


__all__ = ["ACTOR_KINDS", "SYSTEM", "Actor", "acting_as", "current_actor", "set_actor"]


# --- recording ----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _describe(table: str, values: Mapping[str, Any]) -> str:
    entity_columns = AUDITED[table][1]
    parts = [f"{name}={values[name]}" for name in entity_columns if values.get(name) is not None]
    return f"{table} " + " ".join(parts) if parts else table


def _entry(
    actor: Actor, action: str, target: str, details: Mapping[str, Any] | None, at: datetime
) -> AuditEntry:
    return AuditEntry(
        at=at,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name[:200],
        action=action[:48],
        target=target[:200],
        details=dict(details) if details else None,
    )


def record(
    session: AsyncSession | Session,
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    at: datetime | None = None,
) -> None:
    """Add an entry for an action that changes no audited row (e.g. `privacy.export`).

    Added to `session`: it is stored with the session's next commit.
    """
    session.add(_entry(actor or current_actor(), action, target, details, at or utcnow()))


@dataclass
class _Change:
    table: str
    verb: str  # created, changed, deleted, used
    values: dict[str, Any]
    diff: dict[str, list[Any]] | None = None
    obj: object | None = None  # the ORM object, for rows created in this transaction


# session.info key: entries of rows created in the current transaction, by id(object).
# A row changed again before the commit (a deadline gets its key after its id) updates
# its "created" entry instead of adding a "changed" one.
_CREATED: Final = "keplibot_audit_created"


def _column_values(obj: Base) -> dict[str, Any]:
    state = inspect(obj)
    return {
        attr.key: _plain(attr.loaded_value)
        for attr in state.attrs
        if attr.key not in _HIDDEN and attr.loaded_value is not NO_VALUE
    }


def _diff_of(obj: Base) -> dict[str, list[Any]]:
    diff: dict[str, list[Any]] = {}
    for attr in inspect(obj).attrs:
        if attr.key in _HIDDEN:
            continue
        history = attr.history
        if history.added or history.deleted:
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                diff[attr.key] = [_plain(old), _plain(new)]
    return diff


def _verb_of_change(table: str, diff: Mapping[str, Any]) -> str:
    if table == "staff_invites" and "used_by" in diff:
        return "used"
    return "changed"


def _write(session: Session, changes: Sequence[_Change]) -> None:
    if not changes:
        return
    actor = current_actor()
    now = utcnow()
    groups: dict[tuple[str, str], list[_Change]] = defaultdict(list)
    for change in changes:
        groups[(change.table, change.verb)].append(change)
    for (table, verb), group in groups.items():
        action = f"{AUDITED[table][0]}.{verb}"
        if len(group) > SUMMARY_AFTER:
            sample = [_describe(table, c.values) for c in group[:SAMPLE]]
            summary = {"count": len(group), "sample": sample}
            session.add(_entry(actor, action, f"{table} ×{len(group)}", summary, now))
            continue
        for change in group:
            details: dict[str, Any] | None = {"changes": change.diff} if change.diff else None
            if verb in ("created", "deleted"):
                details = {"row": change.values}
            entry = _entry(actor, action, _describe(table, change.values), details, now)
            session.add(entry)
            if verb == "created" and change.obj is not None:
                session.info.setdefault(_CREATED, {})[id(change.obj)] = (change.obj, entry)


def _audited_table(obj: object) -> str | None:
    table = getattr(type(obj), "__tablename__", None)
    return table if isinstance(table, str) and table in AUDITED else None


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    changes: list[_Change] = []
    for obj in list(session.new):
        table = _audited_table(obj)
        if table is not None:
            changes.append(_Change(table, "created", _column_values(obj), obj=obj))
    created = session.info.get(_CREATED, {})
    for obj in list(session.dirty):
        table = _audited_table(obj)
        if table is None or not session.is_modified(obj, include_collections=False):
            continue
        diff = _diff_of(obj)
        if diff and id(obj) in created and created[id(obj)][0] is obj:
            entry = created[id(obj)][1]
            values = _column_values(obj)
            entry.target = _describe(table, values)[:200]
            entry.details = {"row": values}
        elif diff:
            values = _column_values(obj)
            changes.append(_Change(table, _verb_of_change(table, diff), values, diff))
    for obj in list(session.deleted):
        table = _audited_table(obj)
        if table is not None:
            changes.append(_Change(table, "deleted", _column_values(obj)))
    _write(session, changes)


def _rows(session: Session, table: Table, where: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
    query = select(table)
    if where is not None:
        query = query.where(where)
    keys = [c.name for c in table.primary_key.columns]
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in session.execute(query).mappings():
        values = {k: _plain(v) for k, v in row.items() if k not in _HIDDEN}
        rows[tuple(row[k] for k in keys)] = values
    return rows


def _do_orm_execute(state: ORMExecuteState) -> Any:
    if not (state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    table = mapper.local_table if mapper is not None else None
    if not isinstance(table, Table) or table.name not in AUDITED:
        return None
    statement: Any = state.statement
    before = _rows(state.session, table, statement.whereclause)
    result = state.invoke_statement()
    changes: list[_Change] = []
    if state.is_delete:
        changes = [_Change(table.name, "deleted", values) for values in before.values()]
    elif before:
        keys = list(table.primary_key.columns)
        # The same rows, read again (the statement may have changed what its WHERE matches).
        after = _rows(state.session, table, or_(*(_and_keys(keys, key) for key in before)))
        for key, old in before.items():
            new = after.get(key, {})
            diff = {
                name: [old.get(name), new.get(name)]
                for name in new
                if old.get(name) != new.get(name)
            }
            if diff:
                changes.append(_Change(table.name, _verb_of_change(table.name, diff), new, diff))
    _write(state.session, changes)
    return result


def _and_keys(columns: Sequence[Any], key: tuple[Any, ...]) -> Any:
    return and_(*(column == value for column, value in zip(columns, key, strict=True)))


def _forget_created(session: Session, *_args: Any) -> None:
    session.info.pop(_CREATED, None)


_installed = False


def install() -> None:
    """Listen to every ORM session (idempotent); `bot.db.session_factory` calls it."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "do_orm_execute", _do_orm_execute)
    event.listen(Session, "after_commit", _forget_created)
    event.listen(Session, "after_soft_rollback", _forget_created)
    _installed = True


# --- reading ------------------------------------------------------------------------


async def entries(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    """The newest entries first. `actor`: a Telegram id, or part of a name or of
    `operator`/`system`; `action`: an action or its prefix (`staff`, `privacy.erase`)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if action:
        query = query.where(
            or_(AuditEntry.action == action, AuditEntry.action.like(f"{action}.%"))
        )
    by_name: str | None = None
    if actor:
        if actor.lstrip("-").isdigit():
            query = query.where(AuditEntry.actor_id == int(actor))
        elif actor.lower() in ACTOR_KINDS:
            query = query.where(AuditEntry.actor_kind == actor.lower())
        else:
            # SQLite's lower() knows ASCII only: Greek names are compared here.
            by_name = actor.casefold()
    if by_name is None:
        return list(await session.scalars(query.limit(limit)))
    found: list[AuditEntry] = []
    for entry in await session.scalars(query):
        if by_name in entry.actor_name.casefold():
            found.append(entry)
            if len(found) >= limit:
                break
    return found
