"""`scoring/` is the pure domain: it may import the standard library and itself, nothing else."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SCORING = Path(__file__).resolve().parents[2] / "scoring"
ALLOWED = set(sys.stdlib_module_names) | {"scoring", "__future__"}


def imported_roots(source: str) -> list[tuple[int, str]]:
    """(line, top-level module) of every absolute import in `source`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def scoring_files() -> list[Path]:
    return sorted(SCORING.rglob("*.py"))


def test_scoring_package_has_modules() -> None:
    names = {p.name for p in scoring_files()}
    assert {"__init__.py", "engine.py", "ruleset.py", "interview.py"} <= names


@pytest.mark.parametrize("path", scoring_files(), ids=lambda p: p.name)
def test_scoring_module_imports_only_the_standard_library(path: Path) -> None:
    bad = [
        f"{path.name}:{line} imports {root}"
        for line, root in imported_roots(path.read_text(encoding="utf-8"))
        if root not in ALLOWED
    ]
    assert bad == []


@pytest.mark.parametrize(
    ("source", "offender"),
    [
        ("import dateutil.relativedelta", "dateutil"),
        ("from babel import numbers", "babel"),
        ("from bot.i18n import N_", "bot"),
        ("import telegram", "telegram"),
    ],
)
def test_purity_check_catches_a_foreign_import(source: str, offender: str) -> None:
    roots = {root for _, root in imported_roots(source)}
    assert offender in roots
    assert not roots <= ALLOWED


def test_purity_check_allows_relative_and_stdlib_imports() -> None:
    source = (
        "from . import codes\nfrom .ruleset import Level\nimport decimal\nfrom scoring import x"
    )
    assert {root for _, root in imported_roots(source)} <= ALLOWED
