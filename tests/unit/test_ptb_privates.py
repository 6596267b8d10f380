"""python-telegram-bot's private conversation state is read in handlers/flows.py only.

`ConversationHandler._conversations`, `_get_key` and `_update_state` are not PTB's public
API: a new PTB version may change them. handlers/flows.py wraps them (`Flow.is_active`,
`Flow.end`, `is_active(app, update)`, `end_all_conversations(app, user_id)`), so that such a
change is mended in one place; everything else, tests included, goes through those.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ALLOWED = Path("handlers/flows.py")
THIS_TEST = Path(__file__).resolve().relative_to(REPO)
PRIVATES = re.compile(r"\b_(conversations|get_key|update_state)\b")
ROOTS = ("bot", "handlers", "scoring", "teams", "tools", "tests", "bench")


def private_uses(root: Path) -> list[str]:
    found = []
    for top in ROOTS:
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root)
            if relative in (ALLOWED, THIS_TEST):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if PRIVATES.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_ptb_privates_are_read_only_in_handlers_flows() -> None:
    assert private_uses(REPO) == []


def test_flows_itself_reads_them() -> None:
    """The check looks for the right names: the one allowed module does use them."""
    assert PRIVATES.search((REPO / ALLOWED).read_text(encoding="utf-8"))


def test_a_private_read_elsewhere_is_found(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        "states = handler._conversations\nkey = handler._get_key(update)\n"
        "n = len(persistence.get_conversations)\n",
        encoding="utf-8",
    )
    assert private_uses(tmp_path) == [
        "tests/test_x.py:1: states = handler._conversations",
        "tests/test_x.py:2: key = handler._get_key(update)",
    ]
