"""What the per-update path remembers between updates, so that it reads the database only
when something may have changed: each user's row (`users.note_seen`) and the centre
serving each teacher's school (the FAQ's contacts).

`Remembered` is a bounded map whose entries are trusted until one of these happens:

- **this process commits a change** to a table they come from (`WATCHED`, or a user's
  row changed other than by the per-update upsert: a language chosen, marked as having
  blocked the bot, erased): SQLAlchemy session events (installed by
  `bot.db.session_factory`) count the commit, and every `Remembered` forgets everything
  at once. A value read while such a change was being committed is not kept
  (`generation()` before the read, `put(..., read_at=...)` after it);
- **`ttl` seconds pass**: a change made by *another* process on the same database (the
  CLI editing a centre's phone, importing schools, erasing a person) is seen by then;
- the process is one of several webhook workers: `enabled` is False there (any worker
  may have changed anything), and nothing is kept.

Changes that reach the database without a session of this process (by hand in SQL) are
seen after `ttl` seconds too.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

# Tables whose changes may change a teacher's centre or its contacts.
WATCHED: Final = frozenset(
    {"support_centres", "centre_directorates", "schools", "teacher_schools"}
)
USERS: Final = "users"
TTL: Final = 30.0  # seconds: how late a change made by another process may be seen
LIMIT: Final = 20_000  # entries per map, the least recently used dropped first

_TOUCHED: Final = "keplibot_known_touched"  # session.info: this transaction changes WATCHED
_generation = 0

K = TypeVar("K")
V = TypeVar("V")


def generation() -> int:
    """How many commits of this process so far changed what `Remembered` maps hold."""
    return _generation


def changed() -> None:
    """Forget every remembered value (a change made outside the session events)."""
    global _generation
    _generation += 1


class Remembered(Generic[K, V]):
    """Values by key, for `ttl` seconds at most, forgotten at every watched change."""

    def __init__(
        self,
        ttl: float = TTL,
        limit: int = LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = True
        self._ttl = ttl
        self._limit = limit
        self._clock = clock
        self._generation = generation()
        self._values: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def _current(self) -> None:
        if self._generation != generation():
            self._values.clear()
            self._generation = generation()

    def get(self, key: K) -> tuple[bool, V | None]:
        """(True, value) if `key`'s value is remembered and current, else (False, None)."""
        if not self.enabled:
            return False, None
        self._current()
        found = self._values.get(key)
        if found is None:
            return False, None
        stored_at, value = found
        if self._clock() - stored_at >= self._ttl:
            del self._values[key]
            return False, None
        return True, value

    def put(self, key: K, value: V, *, read_at: int) -> None:
        """Remember `value`, read from the database when `generation()` was `read_at`."""
        if not self.enabled:
            return
        self._current()
        if read_at != self._generation:
            return  # a change was committed meanwhile: the value may be the old one
        self._values[key] = (self._clock(), value)
        self._values.move_to_end(key)
        while len(self._values) > self._limit:
            self._values.popitem(last=False)

    def forget(self, key: K) -> None:
        self._values.pop(key, None)

    def __len__(self) -> int:
        return len(self._values)


# --- the session events -----------------------------------------------------------------


def _table_of(target: Any) -> str | None:
    table = getattr(target, "__table__", None)
    return getattr(table, "name", None)


def _before_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    for obj in (*session.dirty, *session.deleted, *session.new):
        table = _table_of(obj)
        if table in WATCHED or (table == USERS and obj not in session.new):
            session.info[_TOUCHED] = True
            return


def _do_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    # An INSERT into users is `users.touch_user`'s upsert (a new user, a new name), whose
    # caller remembers the row it wrote; any other change of users counts.
    if table in WATCHED or (table == USERS and not state.is_insert):
        state.session.info[_TOUCHED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_TOUCHED, False):
        changed()


def _after_rollback(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


_installed = False


def install() -> None:
    """Count this process's commits of watched changes (every Session; idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "do_orm_execute", _do_orm_execute)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    _installed = True
