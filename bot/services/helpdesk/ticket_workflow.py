"""The ticket status machine: a pure table, no database and no Telegram.

Statuses mirror what teachers know from the ΠΣΔ helpdesk: new (σε εκκρεμότητα),
in progress (υπό διεκπεραίωση), waiting for the school, resolved
(διεκπεραιωμένο), closed. Every change goes through `transition()`, which
either returns the new status or raises `TransitionRefused` with a reason code
that the caller translates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final


class Status(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES: Final = frozenset({Status.NEW, Status.IN_PROGRESS, Status.WAITING})


class Role(StrEnum):
    REPORTER = "reporter"  # the teacher who opened the ticket
    STAFF = "staff"  # staff of the ticket's support centre


class Action(StrEnum):
    TAKE = "take"  # staff assigns the ticket to themselves
    START = "start"  # staff: → in progress
    WAIT = "wait"  # staff: → waiting for the school
    RESOLVE = "resolve"  # staff: → resolved
    CLOSE = "close"  # teacher: the fault is gone (also "✅ Solved" after resolution)
    REOPEN = "reopen"  # teacher: it is broken again
    TEACHER_REPLY = "teacher_reply"  # teacher answers; a ticket waiting for them moves on


class Refusal(StrEnum):
    """Why a transition was refused (translated by the caller)."""

    NOT_ALLOWED = "not_allowed"  # this role may never do this action
    ALREADY = "already"  # the ticket is already in the target status (stale button)
    FROM_STATUS = "from_status"  # not possible from the current status
    REOPEN_EXPIRED = "reopen_expired"  # resolved/closed too long ago


class TransitionRefused(Exception):
    def __init__(self, reason: Refusal, status: Status) -> None:
        super().__init__(f"{reason.value} (status {status.value})")
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    sources: frozenset[Status]
    target: Status | None  # None: the status does not change (TAKE keeps it unless new)


_S = Status
_STAFF = frozenset({Role.STAFF})
_REPORTER = frozenset({Role.REPORTER})

RULES: Final[dict[Action, Rule]] = {
    Action.TAKE: Rule(_STAFF, frozenset({_S.NEW, _S.IN_PROGRESS, _S.WAITING}), None),
    Action.START: Rule(_STAFF, frozenset({_S.NEW, _S.WAITING, _S.RESOLVED}), _S.IN_PROGRESS),
    Action.WAIT: Rule(_STAFF, frozenset({_S.NEW, _S.IN_PROGRESS}), _S.WAITING),
    Action.RESOLVE: Rule(_STAFF, frozenset({_S.NEW, _S.IN_PROGRESS, _S.WAITING}), _S.RESOLVED),
    Action.CLOSE: Rule(
        _REPORTER, frozenset({_S.NEW, _S.IN_PROGRESS, _S.WAITING, _S.RESOLVED}), _S.CLOSED
    ),
    Action.REOPEN: Rule(_REPORTER, frozenset({_S.RESOLVED, _S.CLOSED}), _S.IN_PROGRESS),
    Action.TEACHER_REPLY: Rule(
        _REPORTER, frozenset({_S.NEW, _S.IN_PROGRESS, _S.WAITING, _S.RESOLVED}), None
    ),
}


def transition(
    status: Status,
    action: Action,
    role: Role,
    *,
    now: datetime | None = None,
    finished_at: datetime | None = None,
    reopen_days: int = 14,
) -> Status:
    """The status after `role` does `action` on a ticket in `status`.

    `finished_at` is when the ticket was last resolved or closed; a reopen is
    allowed up to `reopen_days` days after it.
    """
    rule = RULES[action]
    if role not in rule.roles:
        raise TransitionRefused(Refusal.NOT_ALLOWED, status)
    if status not in rule.sources:
        if rule.target is not None and status == rule.target:
            raise TransitionRefused(Refusal.ALREADY, status)
        raise TransitionRefused(Refusal.FROM_STATUS, status)
    expired = (
        now is not None
        and finished_at is not None
        and now - finished_at > timedelta(days=reopen_days)
    )
    if action is Action.REOPEN and expired:
        raise TransitionRefused(Refusal.REOPEN_EXPIRED, status)
    if action is Action.TAKE:
        return Status.IN_PROGRESS if status is Status.NEW else status
    if action is Action.TEACHER_REPLY:
        # The school answered what staff were waiting for: the ball is back with staff.
        return Status.IN_PROGRESS if status is Status.WAITING else status
    assert rule.target is not None
    return rule.target


def allowed_actions(status: Status, role: Role) -> list[Action]:
    """Actions `role` may take from `status` (for building buttons), in table order."""
    return [a for a, r in RULES.items() if role in r.roles and status in r.sources]
