"""The unit of work that services share within one database transaction.

A handler opens one with `runtime.sessions()` and hands it to the services it calls,
and the helpdesk's outbox planners receive it back from them, so that a change and
the notices about it are committed together (issue 10's transactional outbox). The
adapters only pass it along: they never query or write through it themselves. This
alias is what they name it by, so that SQLAlchemy stays out of their imports (the
import-linter contract "handlers: … never ORM models or SQL").
"""

from __future__ import annotations

from typing import TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession

Transaction: TypeAlias = AsyncSession
