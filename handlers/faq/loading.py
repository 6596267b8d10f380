"""The FAQ index on the Runtime: loaded and checked once at start (a broken file stops it)."""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from pathlib import Path

from bot.dialogs.faq.actions import check_button_sizes
from bot.runtime import Runtime, StartupHook
from bot.services.faq import FAQ_DIR, LANGUAGES, LEXICON_FILE, FaqContentError, FaqIndex
from handlers.context import Context

log = logging.getLogger(__name__)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)  # missing: loading it reports the file
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(directory: Path, _stamps: tuple[tuple[int, int], ...]) -> FaqIndex:
    return FaqIndex.load(directory)


def load_index(directory: Path = FAQ_DIR) -> FaqIndex:
    """Load, validate and index the FAQ content (FaqContentError naming the entry if broken).

    The index of unchanged files is reused within the process: building it takes a
    quarter of a second, and tests start many applications.
    """
    files = [directory / language / "faq.yaml" for language in LANGUAGES]
    stamps = tuple(_stamp(path) for path in [*files, directory / LEXICON_FILE])
    index = _load(directory, stamps)
    check_button_sizes(index)
    return index


def index_loader(directory: Path = FAQ_DIR) -> StartupHook:
    """The startup hook that puts the FAQ index on the Runtime; broken content stops the bot."""

    async def load(runtime: Runtime) -> None:
        try:
            runtime.faq = await asyncio.to_thread(load_index, directory)
        except FaqContentError as exc:
            log.error("the FAQ content is broken, the bot cannot start: %s", exc)
            raise
        log.info("FAQ loaded: %d entries", len(runtime.faq.ids()))

    return load


def index_of(context: Context) -> FaqIndex:
    index = context.runtime.faq
    if index is None:
        raise RuntimeError("the FAQ is not loaded: handlers.faq.chat.register adds its hook")
    return index
