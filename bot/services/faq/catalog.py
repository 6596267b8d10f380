"""The FAQ content (`locales/<lang>/faq.yaml`): its entries, their validation, the answers.

The content is two catalogs, Greek and English, with the same entry ids. They are
loaded and validated once at start; a broken file stops the program with a
`FaqContentError` naming the file and the entry. An answer is rendered with the
asker's support centre's contacts in its placeholders.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Final

import yaml

from bot.services.faq.greek import tokens

if TYPE_CHECKING:
    from bot.config import Settings

FAQ_DIR: Final = Path(__file__).resolve().parents[3] / "locales"
LANGUAGES: Final = ("el", "en")
ACTIONS: Final = frozenset({"points", "report", "reminders"})
# Parts the chat computes and shows under an answer: "deadlines" = the next dates the bot
# knows for the asker (bot.services.faq.deadlines).
LIVE_PARTS: Final = frozenset({"deadlines"})
PLACEHOLDERS: Final = ("centre_name", "centre_phone", "centre_email")
MAX_ANSWER_CHARS: Final = 1000  # rendered, tags included: one phone screen
MAX_TITLE_CHARS: Final = 40  # a button label that a phone shows whole
MAX_QUESTION_CHARS: Final = 120
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# libyaml's safe loader when PyYAML was built with it: ten times faster at start.
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FaqContentError(ValueError):
    """A faq.yaml that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class FaqEntry:
    """One question and its answer, in one language.

    `answer` is Telegram HTML with `{centre_name}`-style placeholders; use
    `FaqCatalog.render_answer` to fill them.
    """

    id: str
    group: str
    title: str
    question: str
    answer: str
    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    action: str | None
    live: str | None = None  # one of LIVE_PARTS: shown under the answer by the chat


@dataclass(frozen=True)
class CentreContacts:
    """The deployment's support centre, as the answers mention it; `None` = not configured."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None

    @classmethod
    def of(cls, name: str | None, phone: str | None, email: str | None) -> CentreContacts:
        """A centre's contacts. The bare name `ΚΕ.ΠΛΗ.ΝΕ.Τ.` names no centre in particular,
        so the answers then use the catalog's wording (`the ΚΕ.ΠΛΗ.ΝΕ.Τ. of your directorate`).
        """
        if name is not None and tokens(name) in ([], ["κεπληνετ"]):
            name = None
        return cls(name=name, phone=phone, email=email)

    @classmethod
    def from_settings(cls, settings: Settings) -> CentreContacts:
        """From CENTRE_NAME, CENTRE_PHONE and CENTRE_EMAIL (the default centre)."""
        return cls.of(settings.centre_name, settings.centre_phone, settings.centre_email)

    def values(self) -> dict[str, str | None]:
        return {"centre_name": self.name, "centre_phone": self.phone, "centre_email": self.email}


@dataclass(frozen=True)
class FaqCatalog:
    """The FAQ of one language: groups in menu order, entries in file order."""

    language: str
    path: Path
    groups: dict[str, str]  # key → title shown in the menu
    fallbacks: dict[str, str]  # placeholder → text used when the setting is empty
    entries: dict[str, FaqEntry]

    def entries_in(self, group: str) -> list[FaqEntry]:
        return [e for e in self.entries.values() if e.group == group]

    def render_answer(self, entry_id: str, contacts: CentreContacts | None = None) -> str:
        """The entry's answer as Telegram HTML, placeholders filled (escaped) or their fallback."""
        entry = self.entries[entry_id]
        values = (contacts or CentreContacts()).values()
        filled = {
            name: html.escape(value.strip())
            if value and value.strip()
            else html.escape(self.fallbacks[name])
            for name, value in values.items()
        }
        return entry.answer.format(**filled)


_ENTRY_FIELDS: Final = {
    "id": True,
    "group": True,
    "title": True,
    "question": True,
    "answer": True,
    "phrasings": True,
    "keywords": True,
    "related": True,
    "action": False,
    "live": False,
}
_TOP_FIELDS: Final = {"language", "groups", "fallbacks", "entries"}
_TELEGRAM_TAGS: Final = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote"}
)
_BARE_AMPERSAND: Final = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")


class _TelegramHtmlChecker(HTMLParser):
    """Collects what Telegram's HTML parse mode would reject."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed by Telegram")
        elif tag == "a" and not any(name == "href" and value for name, value in attrs):
            self.problems.append("<a> without href")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the open tag")
        else:
            self.stack.pop()

    def close(self) -> None:
        super().close()
        if self.stack:
            self.problems.append(f"<{self.stack[-1]}> is never closed")


def _html_problems(text: str) -> list[str]:
    checker = _TelegramHtmlChecker()
    checker.feed(text)
    checker.close()
    problems = checker.problems
    if _BARE_AMPERSAND.search(text):
        problems.append("a bare '&' (write &amp;)")
    if re.search(r"<(?![a-zA-Z/])", text):
        problems.append("a bare '<' (write &lt;)")
    return problems


def _placeholder_problems(text: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [f"bad braces ({exc}); write a literal brace as {{{{ or }}}}"]
    problems = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            problems.append(f"unknown placeholder {{{name}}} (known: {', '.join(PLACEHOLDERS)})")
        elif spec or conversion:
            problems.append(f"placeholder {{{name}}} takes no format")
    return problems


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _parse_entry(raw: object, position: int, groups: Mapping[str, str]) -> FaqEntry:
    if not isinstance(raw, dict):
        raise ValueError(f"entry #{position + 1}: not a mapping")
    label = f"entry {raw['id']!r}" if isinstance(raw.get("id"), str) else f"entry #{position + 1}"

    def fail(problem: str) -> ValueError:
        return ValueError(f"{label}: {problem}")

    unknown = set(raw) - set(_ENTRY_FIELDS)
    if unknown:
        raise fail(f"unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    for name, required in _ENTRY_FIELDS.items():
        if required and name not in raw:
            raise fail(f"missing field {name!r}")
    for name in ("id", "group", "title", "question", "answer"):
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise fail(f"{name!r} must be a non-empty string")
    if not _ID.match(raw["id"]):
        raise fail("'id' must be lower-case words joined by '-'")
    if raw["group"] not in groups:
        raise fail(f"unknown group {raw['group']!r} (known: {', '.join(groups)})")
    if len(raw["title"]) > MAX_TITLE_CHARS:
        raise fail(f"'title' longer than {MAX_TITLE_CHARS} characters")
    if len(raw["question"]) > MAX_QUESTION_CHARS:
        raise fail(f"'question' longer than {MAX_QUESTION_CHARS} characters")
    if not _strings(raw["phrasings"]) or not raw["phrasings"]:
        raise fail("'phrasings' must be a non-empty list of non-empty strings")
    if not isinstance(raw["keywords"], list) or (
        raw["keywords"] and not _strings(raw["keywords"])
    ):
        raise fail("'keywords' must be a list of non-empty strings")
    if not isinstance(raw["related"], list) or not all(isinstance(r, str) for r in raw["related"]):
        raise fail("'related' must be a list of entry ids")
    if raw["id"] in raw["related"]:
        raise fail("an entry cannot be related to itself")
    action = raw.get("action")
    if action is not None and action not in ACTIONS:
        raise fail(f"unknown action {action!r} (known: {', '.join(sorted(ACTIONS))})")
    live = raw.get("live")
    if live is not None and live not in LIVE_PARTS:
        raise fail(f"unknown live part {live!r} (known: {', '.join(sorted(LIVE_PARTS))})")
    problems = _placeholder_problems(raw["answer"]) + _html_problems(raw["answer"])
    if problems:
        raise fail("answer: " + "; ".join(problems))
    return FaqEntry(
        id=raw["id"],
        group=raw["group"],
        title=raw["title"].strip(),
        question=raw["question"].strip(),
        answer=raw["answer"].strip(),
        phrasings=tuple(p.strip() for p in raw["phrasings"]),
        keywords=tuple(k.strip() for k in raw["keywords"]),
        related=tuple(raw["related"]),
        action=action,
        live=live,
    )


def _parse_catalog(data: object, language: str, path: Path) -> FaqCatalog:
    if not isinstance(data, dict):
        raise ValueError("the file must be a mapping with 'language', 'groups', 'entries'")
    unknown = set(data) - _TOP_FIELDS
    if unknown:
        raise ValueError(f"unknown top-level field(s) {', '.join(sorted(map(str, unknown)))}")
    if data.get("language") != language:
        raise ValueError(f"'language' must be {language!r}, found {data.get('language')!r}")
    groups = data.get("groups")
    if not isinstance(groups, dict) or not groups:
        raise ValueError("'groups' must map group keys to their titles")
    if not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in groups.items()):
        raise ValueError("'groups': every key and title must be a non-empty string")
    fallbacks = data.get("fallbacks")
    if not isinstance(fallbacks, dict) or set(fallbacks) != set(PLACEHOLDERS):
        raise ValueError(f"'fallbacks' must give a text for each of {', '.join(PLACEHOLDERS)}")
    if not all(isinstance(v, str) and v.strip() for v in fallbacks.values()):
        raise ValueError("'fallbacks': every text must be a non-empty string")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise ValueError("'entries' must be a non-empty list")
    entries: dict[str, FaqEntry] = {}
    for position, raw in enumerate(raw_entries):
        entry = _parse_entry(raw, position, groups)
        if entry.id in entries:
            raise ValueError(f"entry {entry.id!r}: duplicate id")
        entries[entry.id] = entry
    for entry in entries.values():
        missing = [r for r in entry.related if r not in entries]
        if missing:
            raise ValueError(f"entry {entry.id!r}: related id(s) not found: {', '.join(missing)}")
    for group in groups:
        if not any(e.group == group for e in entries.values()):
            raise ValueError(f"group {group!r} has no entries")
    catalog = FaqCatalog(language, path, dict(groups), dict(fallbacks), entries)
    for entry in entries.values():
        longest = catalog.render_answer(entry.id, _LONGEST_CONTACTS)
        if len(longest) > MAX_ANSWER_CHARS:
            raise ValueError(
                f"entry {entry.id!r}: answer is {len(longest)} characters with contacts "
                f"filled in; keep it under {MAX_ANSWER_CHARS} (it is read on a phone)"
            )
    return catalog


# Realistic long values, so the length check holds for any deployment.
_LONGEST_CONTACTS: Final = CentreContacts(
    name="ΚΕ.ΠΛΗ.ΝΕ.Τ. Διεύθυνσης Δευτεροβάθμιας Εκπαίδευσης Ανατολικής Θεσσαλονίκης",
    phone="2310 000000, 2310 000001",
    email="keplinet@dide-anat-thessalonikis.sch.gr",
)


def load_catalog(path: Path, language: str) -> FaqCatalog:
    """Read and validate one faq.yaml; FaqContentError names the file and the entry."""
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_YAML_LOADER)
    except OSError as exc:
        raise FaqContentError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise FaqContentError(f"{path}: not valid YAML: {exc}") from None
    try:
        return _parse_catalog(data, language, path)
    except ValueError as exc:
        raise FaqContentError(f"{path}: {exc}") from None


def load_catalogs(directory: Path = FAQ_DIR) -> dict[str, FaqCatalog]:
    """Both catalogs (`<directory>/<lang>/faq.yaml`), checked to describe the same entries."""
    catalogs = {lang: load_catalog(directory / lang / "faq.yaml", lang) for lang in LANGUAGES}
    reference, other = catalogs["el"], catalogs["en"]
    only_el = [i for i in reference.entries if i not in other.entries]
    only_en = [i for i in other.entries if i not in reference.entries]
    if only_el or only_en:
        parts = []
        if only_el:
            parts.append(f"only in {reference.path}: {', '.join(only_el)}")
        if only_en:
            parts.append(f"only in {other.path}: {', '.join(only_en)}")
        raise FaqContentError("the catalogs must have the same ids; " + "; ".join(parts))
    if list(reference.groups) != list(other.groups):
        raise FaqContentError(f"{other.path}: groups differ from {reference.path}")
    for entry_id, entry in reference.entries.items():
        twin = other.entries[entry_id]
        for name in ("group", "action", "live"):
            if getattr(entry, name) != getattr(twin, name):
                raise FaqContentError(
                    f"{other.path}: entry {entry_id!r}: {name} differs from {reference.path}"
                )
        if set(entry.related) != set(twin.related):
            raise FaqContentError(
                f"{other.path}: entry {entry_id!r}: related ids differ from {reference.path}"
            )
    return catalogs
