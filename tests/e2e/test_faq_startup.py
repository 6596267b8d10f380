"""The FAQ is loaded once when the bot starts; broken content stops the start, naming the entry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.dialogs.faq.actions import Vote, check_button_sizes, faq
from bot.services.faq import FAQ_DIR, LEXICON_FILE, FaqContentError
from handlers.context import KepliApp
from handlers.faq import loading as faq_handlers
from tests.e2e.conftest import Launch

ROOT = Path(__file__).resolve().parents[2]
BROKEN = "related: [no-such-entry, "


def break_content(locales: Path) -> None:
    """The first `related` list of the English file names an entry that does not exist."""
    path = locales / "en" / "faq.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("related: [", BROKEN, 1), encoding="utf-8")


async def test_broken_content_stops_the_start_naming_the_entry(
    launch: Launch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for language in ("el", "en"):
        (tmp_path / language).mkdir()
        shutil.copy(FAQ_DIR / language / "faq.yaml", tmp_path / language / "faq.yaml")
    shutil.copy(FAQ_DIR / LEXICON_FILE, tmp_path / LEXICON_FILE)
    break_content(tmp_path)

    def broken(app: KepliApp) -> None:
        app.bot_data.on_startup(faq_handlers.index_loader(tmp_path))

    with pytest.raises(FaqContentError, match=r"en/faq.yaml: entry 'keplinet-what': related"):
        await launch(register=broken)
    assert "the FAQ content is broken, the bot cannot start" in caplog.text


async def test_a_broken_lexicon_stops_the_start_naming_the_file_and_the_concept(
    launch: Launch, tmp_path: Path
) -> None:
    for language in ("el", "en"):
        (tmp_path / language).mkdir()
        shutil.copy(FAQ_DIR / language / "faq.yaml", tmp_path / language / "faq.yaml")
    text = (FAQ_DIR / LEXICON_FILE).read_text(encoding="utf-8")
    (tmp_path / LEXICON_FILE).write_text(
        text.replace(
            "  - name: internet\n    surfaces: [", "  - name: internet\n    surfaces: [no, ", 1
        ),
        encoding="utf-8",
    )

    def broken(app: KepliApp) -> None:
        app.bot_data.on_startup(faq_handlers.index_loader(tmp_path))

    with pytest.raises(
        FaqContentError, match=r"faq_lexicon.yaml: concept 'internet': surface False"
    ):
        await launch(register=broken)


async def test_the_index_is_on_the_runtime_before_the_first_update(launch: Launch) -> None:
    bot = await launch()
    assert bot.app is not None
    index = bot.app.bot_data.runtime.faq
    assert index is not None
    assert "support-request" in index.ids()
    assert faq_handlers.load_index() is index  # built once per process while unchanged


def test_keplibot_run_with_broken_content_says_so_in_one_line(tmp_path: Path) -> None:
    """The real command, on a copy of the program whose English FAQ is broken."""
    tree = tmp_path / "tree"
    for part in ("bot", "handlers", "scoring", "migrations", "locales"):
        shutil.copytree(ROOT / part, tree / part, ignore=shutil.ignore_patterns("__pycache__"))
    break_content(tree / "locales")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "DATABASE_", "KEPLIBOT_"))
    }
    env |= {
        "TELEGRAM_TOKEN": "123456:not-used",  # the start stops before Telegram is called
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(['run']))"],
        cwd=tree,  # the copy comes first on sys.path
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f"keplibot: the FAQ content is broken: {tree / 'locales' / 'en' / 'faq.yaml'}: "
        "entry 'keplinet-what': related id(s) not found: no-such-entry"
    )
    assert "Traceback" not in done.stderr


def test_every_faq_button_fits_telegrams_64_bytes() -> None:
    index = faq_handlers.load_index()
    longest = max(index.ids(), key=len)
    assert len(faq.pack(Vote(longest, helpful=True)).encode()) <= 64
    check_button_sizes(index)  # what the start checks: raises for a long id
