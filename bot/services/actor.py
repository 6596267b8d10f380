"""Who is acting, for the audit log: a Telegram user, an operator at the CLI, or the system.

Standard library only: `bot.cli` sets the operator before any command runs and
must not pay for SQLAlchemy to do it. `bot.services.audit` reads it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

ACTOR_KINDS: Final = ("telegram", "operator", "system")


@dataclass(frozen=True)
class Actor:
    """Who acts: a Telegram user (staff, administrator), an operator at the CLI, the system."""

    kind: str  # one of ACTOR_KINDS
    id: int | None = None  # the Telegram user id
    name: str = ""

    def __str__(self) -> str:
        if self.kind == "telegram":
            return f"{self.name} ({self.id})" if self.name else str(self.id)
        return f"{self.kind}:{self.name}" if self.name else self.kind


SYSTEM: Final = Actor("system")
_actor: ContextVar[Actor] = ContextVar("keplibot_audit_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _actor.get()


def set_actor(actor: Actor) -> None:
    """Make `actor` the author of the changes made from now on in this task (an update)."""
    _actor.set(actor)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)
