"""The points feature keeps the layers of ../shared/design.md (issue 11): services without
words or Telegram, dialogs without Telegram or the database, handlers without the database,
and the CLI and web server without handlers."""

from __future__ import annotations

from tests.unit.test_layers import violations


def test_points_services_import_neither_words_nor_telegram() -> None:
    forbidden = ("telegram", "bot.i18n", "handlers", "bot.dialogs")
    assert violations("bot/services/points", forbidden) == []


def test_points_dialogs_import_neither_telegram_nor_the_database() -> None:
    forbidden = ("telegram", "handlers", "sqlalchemy", "bot.models", "bot.db")
    assert violations("bot/dialogs/points", forbidden) == []


def test_points_handlers_import_neither_the_database_nor_the_composition_root() -> None:
    forbidden = ("sqlalchemy", "bot.models", "bot.db", "bot.app", "bot.cli")
    assert violations("handlers/points", forbidden) == []


def test_the_score_command_uses_the_dialogs_not_the_handlers() -> None:
    found = violations("bot/commands", ("handlers",))
    assert [v for v in found if v.startswith("bot/commands/score.py")] == []
