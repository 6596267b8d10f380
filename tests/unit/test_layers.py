"""The dependency rules of design.md: services know no Telegram, handlers know no composition root.

- `bot.services` never imports `telegram` or `handlers`;
- `handlers` never imports `bot.app` or `bot.cli`.

(`scoring/`, the pure domain, has its own test: test_scoring_purity.py.) Imports inside
functions and under `if TYPE_CHECKING:` count too: they are dependencies all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    """`bot/services/users.py` → `bot.services.users`; a package's `__init__.py` → the package."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(
    source: str, importer: str, is_package: bool = False
) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in `source`, relative ones resolved.

    `from a import b` yields `a.b` as well as `a`, since `b` may be a module
    (`from bot import app` imports `bot.app`).
    """
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if module:
                found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{a.name}".lstrip(".")) for a in node.names)
    return found


def within(module: str, forbidden: str) -> bool:
    return module == forbidden or module.startswith(f"{forbidden}.")


def violations(root: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((REPO / root).rglob("*.py")):
        importer = module_name(path)
        source = path.read_text(encoding="utf-8")
        for line, module in imported_modules(source, importer, path.name == "__init__.py"):
            if any(within(module, name) for name in forbidden):
                found.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    return sorted(set(found))


def test_services_import_neither_telegram_nor_handlers() -> None:
    assert violations("bot/services", ("telegram", "handlers")) == []


def test_handlers_import_neither_the_app_nor_the_cli() -> None:
    assert violations("handlers", ("bot.app", "bot.cli")) == []


@pytest.mark.parametrize(
    ("source", "importer", "module"),
    [
        ("import telegram.ext", "bot.services.faq", "telegram.ext"),
        ("from telegram import Update", "bot.services.faq", "telegram"),
        ("from handlers.common import reply", "bot.services.faq", "handlers.common"),
        ("from bot import app", "handlers.start", "bot.app"),
        ("from bot.cli import main", "handlers.start", "bot.cli"),
        ("from .. import app", "bot.services.faq", "bot.app"),
        ("from ..app import build_application", "bot.services.faq", "bot.app"),
        ("def f():\n    from bot.app import build_application", "handlers.start", "bot.app"),
    ],
)
def test_the_check_sees_every_form_of_import(source: str, importer: str, module: str) -> None:
    assert module in {name for _, name in imported_modules(source, importer)}


def test_relative_imports_resolve_inside_a_package() -> None:
    found = {name for _, name in imported_modules("from . import users", "bot.services", True)}
    assert found == {"bot.services", "bot.services.users"}


@pytest.mark.parametrize(
    ("module", "forbidden", "inside"),
    [
        ("bot.app", "bot.app", True),
        ("bot.app.sub", "bot.app", True),
        ("bot.apple", "bot.app", False),
        ("telegram", "telegram", True),
        ("telegram_helpers", "telegram", False),
    ],
)
def test_within_matches_whole_module_names(module: str, forbidden: str, inside: bool) -> None:
    assert within(module, forbidden) is inside
