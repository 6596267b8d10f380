"""A deadline as the reminders' dialogs and handlers read it: a plain, frozen snapshot.

The services read and write the `bot.models.Deadline` rows; what they hand to the
conversation layer (a deadline to show, the deadlines a person follows, a due reminder)
is a `DeadlineView`, so that nothing above the services holds an ORM row (no lazy
loading after its session is gone, no change that could be flushed by accident).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from bot.models import Deadline


@dataclass(frozen=True)
class DeadlineView:
    """A date of the selection process; times are aware UTC."""

    id: int
    kind: str  # interest, meeting, proposal, other
    title_el: str
    title_en: str
    due_at: datetime
    updated_at: datetime  # its last change (a calendar's "last modified")
    notes_el: str = ""
    notes_en: str = ""
    scope: str = "everyone"  # or centre, directorate
    centre_id: int | None = None
    directorate: str | None = None
    link: str | None = None
    key: str | None = None  # stable id of the YAML import
    revision: int = 1  # bumped whenever the date moves
    previous_due_at: datetime | None = None

    @classmethod
    def of(cls, row: Deadline) -> DeadlineView:
        return cls(
            id=row.id,
            kind=row.kind,
            title_el=row.title_el,
            title_en=row.title_en,
            due_at=row.due_at,
            updated_at=row.updated_at,
            notes_el=row.notes_el,
            notes_en=row.notes_en,
            scope=row.scope,
            centre_id=row.centre_id,
            directorate=row.directorate,
            link=row.link,
            key=row.key,
            revision=row.revision,
            previous_due_at=row.previous_due_at,
        )


# What the services' helpers (titles, days left, who is concerned) read: either.
AnyDeadline: TypeAlias = Deadline | DeadlineView
