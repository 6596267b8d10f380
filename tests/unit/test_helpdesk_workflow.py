"""The ticket status machine as a table: every (status, action, role) and its outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.helpdesk.ticket_workflow import (
    Action,
    Refusal,
    Role,
    Status,
    TransitionRefused,
    allowed_actions,
    transition,
)

S, A, R = Status, Action, Role

ALLOWED = [
    # staff work the ticket
    (S.NEW, A.TAKE, R.STAFF, S.IN_PROGRESS),
    (S.IN_PROGRESS, A.TAKE, R.STAFF, S.IN_PROGRESS),
    (S.WAITING, A.TAKE, R.STAFF, S.WAITING),
    (S.NEW, A.START, R.STAFF, S.IN_PROGRESS),
    (S.WAITING, A.START, R.STAFF, S.IN_PROGRESS),
    (S.RESOLVED, A.START, R.STAFF, S.IN_PROGRESS),
    (S.NEW, A.WAIT, R.STAFF, S.WAITING),
    (S.IN_PROGRESS, A.WAIT, R.STAFF, S.WAITING),
    (S.NEW, A.RESOLVE, R.STAFF, S.RESOLVED),
    (S.IN_PROGRESS, A.RESOLVE, R.STAFF, S.RESOLVED),
    (S.WAITING, A.RESOLVE, R.STAFF, S.RESOLVED),
    # the teacher closes, confirms or reopens
    (S.NEW, A.CLOSE, R.REPORTER, S.CLOSED),
    (S.IN_PROGRESS, A.CLOSE, R.REPORTER, S.CLOSED),
    (S.WAITING, A.CLOSE, R.REPORTER, S.CLOSED),
    (S.RESOLVED, A.CLOSE, R.REPORTER, S.CLOSED),
    (S.RESOLVED, A.REOPEN, R.REPORTER, S.IN_PROGRESS),
    (S.CLOSED, A.REOPEN, R.REPORTER, S.IN_PROGRESS),
    # an answer from the school hands a waiting ticket back to the staff
    (S.WAITING, A.TEACHER_REPLY, R.REPORTER, S.IN_PROGRESS),
    (S.NEW, A.TEACHER_REPLY, R.REPORTER, S.NEW),
    (S.IN_PROGRESS, A.TEACHER_REPLY, R.REPORTER, S.IN_PROGRESS),
    (S.RESOLVED, A.TEACHER_REPLY, R.REPORTER, S.RESOLVED),
]

REFUSED = [
    (S.IN_PROGRESS, A.START, R.STAFF, Refusal.ALREADY),
    (S.WAITING, A.WAIT, R.STAFF, Refusal.ALREADY),
    (S.RESOLVED, A.RESOLVE, R.STAFF, Refusal.ALREADY),
    (S.CLOSED, A.CLOSE, R.REPORTER, Refusal.ALREADY),
    (S.IN_PROGRESS, A.REOPEN, R.REPORTER, Refusal.ALREADY),
    (S.CLOSED, A.TAKE, R.STAFF, Refusal.FROM_STATUS),
    (S.RESOLVED, A.TAKE, R.STAFF, Refusal.FROM_STATUS),
    (S.CLOSED, A.RESOLVE, R.STAFF, Refusal.FROM_STATUS),
    (S.CLOSED, A.START, R.STAFF, Refusal.FROM_STATUS),
    (S.RESOLVED, A.WAIT, R.STAFF, Refusal.FROM_STATUS),
    (S.NEW, A.REOPEN, R.REPORTER, Refusal.FROM_STATUS),
    (S.CLOSED, A.TEACHER_REPLY, R.REPORTER, Refusal.FROM_STATUS),
    # roles are not interchangeable
    (S.NEW, A.RESOLVE, R.REPORTER, Refusal.NOT_ALLOWED),
    (S.NEW, A.TAKE, R.REPORTER, Refusal.NOT_ALLOWED),
    (S.RESOLVED, A.CLOSE, R.STAFF, Refusal.NOT_ALLOWED),
    (S.CLOSED, A.REOPEN, R.STAFF, Refusal.NOT_ALLOWED),
]


@pytest.mark.parametrize(("status", "action", "role", "expected"), ALLOWED)
def test_allowed_transition_reaches_its_status(
    status: Status, action: Action, role: Role, expected: Status
) -> None:
    assert transition(status, action, role) is expected


@pytest.mark.parametrize(("status", "action", "role", "reason"), REFUSED)
def test_refused_transition_says_why(
    status: Status, action: Action, role: Role, reason: Refusal
) -> None:
    with pytest.raises(TransitionRefused) as info:
        transition(status, action, role)
    assert info.value.reason is reason
    assert info.value.status is status


def test_every_status_action_role_combination_is_decided() -> None:
    decided = {(s, a, r) for s, a, r, _ in ALLOWED} | {(s, a, r) for s, a, r, _ in REFUSED}
    for status in Status:
        for action in Action:
            for role in Role:
                try:
                    transition(status, action, role)
                except TransitionRefused:
                    continue
                assert (status, action, role) in decided, (status, action, role)


NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_reopen_within_the_window_goes_back_to_in_progress() -> None:
    finished = NOW - timedelta(days=14)
    result = transition(
        S.CLOSED, A.REOPEN, R.REPORTER, now=NOW, finished_at=finished, reopen_days=14
    )
    assert result is S.IN_PROGRESS


def test_reopen_after_the_window_is_refused() -> None:
    finished = NOW - timedelta(days=14, seconds=1)
    with pytest.raises(TransitionRefused) as info:
        transition(S.RESOLVED, A.REOPEN, R.REPORTER, now=NOW, finished_at=finished, reopen_days=14)
    assert info.value.reason is Refusal.REOPEN_EXPIRED


def test_buttons_for_a_resolved_ticket_offer_close_and_reopen_to_the_teacher() -> None:
    assert allowed_actions(S.RESOLVED, R.REPORTER) == [A.CLOSE, A.REOPEN, A.TEACHER_REPLY]
    assert allowed_actions(S.CLOSED, R.REPORTER) == [A.REOPEN]


def test_staff_have_no_action_on_a_closed_ticket() -> None:
    assert allowed_actions(S.CLOSED, R.STAFF) == []
