"""Kept points declarations: the last declaration of a teacher who agreed to have it kept.

The teacher is asked once (`users.consent_keep_declaration`): None means not
asked yet, True "keep my last declaration", False "do not keep anything".
Nothing is stored without True; refusing or deleting removes what was kept.
One row per teacher, in the spec's JSON format, so a kept declaration reads
exactly like a downloaded file and is validated again when it is loaded. The row
names the ruleset its result was made under (`result.ruleset`, passed in by the
caller); `KeptDeclaration.rules()` finds it again, or raises `UnknownRuleset`.

Every write commits before returning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import PointsDeclaration, User, utcnow
from bot.services import users
from scoring import (
    Declaration,
    DeclarationInvalid,
    Ruleset,
    declaration_to_json,
    parse_declaration,
    ruleset_named,
)

log = logging.getLogger(__name__)


class ConsentMissing(PermissionError):
    """The teacher has not agreed to have their declaration kept."""


@dataclass(frozen=True, slots=True)
class KeptDeclaration:
    declaration: Declaration
    ruleset: str  # the name of the ruleset it was kept under
    updated_at: datetime  # aware UTC

    def rules(self) -> Ruleset:
        """The ruleset it was kept under; raises `UnknownRuleset` if this version has none
        of that name."""
        return ruleset_named(self.ruleset)


async def consent(session: AsyncSession, telegram_id: int) -> bool | None:
    """The teacher's answer to "may I keep your last declaration?" (None: not asked yet)."""
    value: bool | None = await session.scalar(
        select(User.consent_keep_declaration).where(User.id == telegram_id)
    )
    return value


async def save(
    session: AsyncSession,
    telegram_id: int,
    declaration: Declaration,
    ruleset: Ruleset,
    *,
    now: datetime | None = None,
) -> None:
    """Keep `declaration`, scored under `ruleset`, as the teacher's last one (replacing any
    earlier one).

    Raises `ConsentMissing` unless the teacher agreed.
    """
    if await consent(session, telegram_id) is not True:
        raise ConsentMissing(telegram_id)
    now = now or utcnow()
    document = declaration_to_json(declaration)
    row = await session.get(PointsDeclaration, telegram_id)
    if row is None:
        session.add(
            PointsDeclaration(
                user_id=telegram_id,
                declaration=document,
                ruleset=ruleset.name,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        row.declaration = document
        row.ruleset = ruleset.name
        row.updated_at = now
    await session.commit()


async def save_if_agreed(
    session: AsyncSession,
    telegram_id: int,
    declaration: Declaration,
    ruleset: Ruleset,
    *,
    now: datetime | None = None,
) -> bool:
    """Keep `declaration` (of `ruleset`) if the teacher agreed; True if it was kept."""
    try:
        await save(session, telegram_id, declaration, ruleset, now=now)
    except ConsentMissing:
        return False
    return True


async def agree(
    session: AsyncSession,
    telegram_id: int,
    declaration: Declaration | None = None,
    ruleset: Ruleset | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """The teacher agrees to have their last declaration kept; keep `declaration` (scored
    under `ruleset`, given with it) now."""
    if (declaration is None) != (ruleset is None):
        raise ValueError("a declaration is kept with the ruleset it was scored under")
    await users.set_consent(session, telegram_id, keep_declaration=True)
    if declaration is not None and ruleset is not None:
        await save(session, telegram_id, declaration, ruleset, now=now)


async def delete_kept(session: AsyncSession, telegram_id: int) -> bool:
    """Delete the kept declaration and stop keeping new ones; False if none was kept.

    Also the answer "no" to the consent question: nothing is kept from then on.
    """
    result = await session.execute(
        delete(PointsDeclaration).where(PointsDeclaration.user_id == telegram_id)
    )
    deleted = int(getattr(result, "rowcount", 0) or 0) > 0
    # set_consent commits the delete together with the new answer.
    await users.set_consent(session, telegram_id, keep_declaration=False)
    return deleted


async def load(session: AsyncSession, telegram_id: int) -> KeptDeclaration | None:
    """The kept declaration, validated again; None if there is none (or it no longer parses).

    A kept row that no longer parses (a later format) is logged and left in
    place rather than deleted behind the teacher's back.
    """
    row = await session.get(PointsDeclaration, telegram_id)
    if row is None:
        return None
    document: Any = row.declaration
    try:
        declaration = parse_declaration(document)
    except DeclarationInvalid as exc:
        log.warning("kept declaration of %s no longer parses: %s", telegram_id, exc)
        return None
    return KeptDeclaration(declaration, row.ruleset, row.updated_at)
