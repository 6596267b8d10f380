"""Every button action of every feature fits in callback data and comes back unchanged.

The features declare their actions with one `Codec` each (bot/ui/actions.py), in
`handlers/` or `bot/dialogs/`. This test imports every module of those packages, then
packs each action of each codec at its widest (every int at its maximum, every text at
its longest) and checks Telegram's 64-byte limit and that parsing gives the action back.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ui.actions import MAX_BYTES, Action, Codec

# Where the features' codecs live; bot.dialogs may not exist yet.
PACKAGES = ("handlers", "bot.dialogs", "bot.ui")
PROJECT = ("handlers.", "bot.")


def import_all(package_name: str) -> None:
    try:
        package = importlib.import_module(package_name)
    except ModuleNotFoundError as error:
        if error.name == package_name:
            return
        raise
    for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
        importlib.import_module(module.name)


def project_actions() -> Iterator[tuple[Codec, type[Action]]]:
    for package in PACKAGES:
        import_all(package)
    for codec in Codec.all():
        for action in codec.actions().values():
            # Codecs declared by tests (e.g. deliberately too wide ones) are not the bot's.
            if action.__module__.startswith(PROJECT):
                yield codec, action


ACTIONS = list(project_actions())


def test_the_walk_imports_every_module_of_the_packages() -> None:
    """Every codec is found: each module that could declare one has been imported."""
    for package in PACKAGES:
        root = Path(__file__).resolve().parents[2].joinpath(*package.split("."))
        for path in root.rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(
                [package, *parts[:-1]] + ([] if parts[-1] == "__init__" else [parts[-1]])
            )
            assert name in sys.modules, f"{name} was not imported"


@pytest.mark.parametrize(
    ("codec", "action"),
    ACTIONS,
    ids=[f"{codec.namespace}:{action.verb}" for codec, action in ACTIONS],
)
def test_the_widest_action_fits_and_parses_back(codec: Codec, action: type[Action]) -> None:
    widest = codec.widest(action)
    data = codec.pack(widest)
    assert len(data.encode()) <= MAX_BYTES
    assert codec.parse(data) == widest


def test_the_language_buttons_are_the_locales_and_name_them_back() -> None:
    from bot.dialogs.common import LANGUAGE_ACTIONS, chosen_locale
    from bot.i18n import LOCALES
    from bot.ui.actions import pack

    assert set(LANGUAGE_ACTIONS) == set(LOCALES)
    for code, action in LANGUAGE_ACTIONS.items():
        assert pack(action) == f"lang:{code}"
        assert chosen_locale(pack(action)) == code
    for forged in ("lang:", "lang:fr", "lang:el:1", "lng:el", None):
        assert chosen_locale(forged) is None
