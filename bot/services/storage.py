"""Telling a database that cannot be used right now from a bug.

A SQLite file that became read-only, a full disk, a PostgreSQL server that went away
or switched to read-only: the bot logs it, tells the person to try again, and goes
on serving what does not need to write. A constraint violation or a wrong query is
a bug and is not one of these.
"""

from __future__ import annotations

from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    InternalError,
    OperationalError,
)
from sqlalchemy.exc import (
    TimeoutError as PoolTimeout,
)

# Driver errors (asyncpg's names) that mean "cannot write now", however SQLAlchemy wraps them.
_UNAVAILABLE_NAMES = (
    "ReadOnlySQLTransactionError",
    "DiskFullError",
    "CannotConnectNowError",
    "ConnectionDoesNotExistError",
    "AdminShutdownError",
)


def is_storage_failure(exc: BaseException | None) -> bool:
    """Whether `exc` says the database cannot be used (or written) right now."""
    if exc is None:
        return False
    if isinstance(exc, OperationalError | InterfaceError | InternalError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        names = {type(orig).__name__, type(getattr(orig, "__cause__", None)).__name__}
        return any(name in names for name in _UNAVAILABLE_NAMES)
    return isinstance(exc, ConnectionRefusedError)
