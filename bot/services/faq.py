"""FAQ: the content (`locales/<lang>/faq.yaml`), its validation, and the search over it.

The content is two catalogs, Greek and English, with the same entry ids. They
are loaded and validated once at start (`FaqIndex.load`); a broken file stops
the program with a `FaqContentError` naming the file and the entry.

Search (`FaqIndex.search`) scores every entry of both catalogs, so a
Greeklish or English question from a Greek user still finds its answer, and
returns a `SearchResult` whose `decision` tells the caller what to show:

- `Decision.ANSWER`: one entry is clearly best: show `result.answer_id`.
- `Decision.DID_YOU_MEAN`: two are close or the best is weak: offer
  `result.suggestions` (up to three ids).
- `Decision.NO_MATCH`: nothing fits: say so, offer the fault report and the
  centre's contacts (and record the question for the staff).

Scores are in [0, 1]. Each entry's score is a mix of two signals computed in
the same term space (see `bot.services.greek`): BM25F over the entry's fields
(question and title, phrasings, keywords, answer), normalised by the best a
query could reach, and the best idf-weighted Dice overlap between the query
and any single phrasing. Query words the index does not know are matched to
known words of the same first letter by edit similarity (rapidfuzz), which
absorbs typos.
"""

from __future__ import annotations

import html
import math
import re
import string
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Final

import yaml
from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from bot.config import Settings

from bot.services.greek import (
    english_stem,
    fold,
    greeklish_variants,
    is_greek,
    is_latin,
    phonetic_key,
    stem,
    tokens,
)

FAQ_DIR: Final = Path(__file__).resolve().parents[2] / "locales"
LANGUAGES: Final = ("el", "en")
ACTIONS: Final = frozenset({"points", "report", "reminders"})
# Parts the chat computes and shows under an answer: "deadlines" = the next dates the bot
# knows for the asker (bot.services.faq_deadlines).
LIVE_PARTS: Final = frozenset({"deadlines"})
PLACEHOLDERS: Final = ("centre_name", "centre_phone", "centre_email")
MAX_ANSWER_CHARS: Final = 1000  # rendered, tags included: one phone screen
MAX_TITLE_CHARS: Final = 40  # a button label that a phone shows whole
MAX_QUESTION_CHARS: Final = 120
MAX_QUERY_CHARS: Final = 400  # longer input is cut: a question, not an essay
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# libyaml's safe loader when PyYAML was built with it: ten times faster at start.
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --- content ---------------------------------------------------------------------------------


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


# --- synonyms and stop words -------------------------------------------------------------------


@dataclass(frozen=True)
class Concept:
    """Words and phrases that mean the same thing here, in any language or script."""

    name: str
    surfaces: tuple[str, ...]


# A word or a phrase (its words in order, stop words aside) is replaced by its concept.
SYNONYMS: Final[tuple[Concept, ...]] = (
    Concept("pc", ("υπολογιστής", "Η/Υ", "pc", "πισι", "computer", "κομπιούτερ", "hy")),
    Concept(
        "internet",
        ("ίντερνετ", "internet", "διαδίκτυο", "δίκτυο", "network", "wifi", "ίντερνετι"),
    ),
    Concept(
        "psd",
        (
            "ΠΣΔ",
            "Π.Σ.Δ.",
            "Πανελλήνιο Σχολικό Δίκτυο",
            "sch.gr",
            "sch",
            "psd",
            "Greek School Network",
            "school network",
        ),
    ),
    Concept(
        "ysepehy",
        (
            "ΥΣΕΠΕΗΥ",
            "Υ.Σ.Ε.Π.Ε.Η.Υ.",
            "ysepehy",
            "υπεύθυνος εργαστηρίου",
            "υπεύθυνη εργαστηρίου",
            "υπεύθυνος εργαστηρίου πληροφορικής",
            "υπεύθυνος σχολικού εργαστηρίου",
            "υπεύθυνος ΣΕΠΕΗΥ",
            "υπεύθυνος του εργαστηρίου",
            "υπεύθυνος πληροφορικής",
            "υπεύθυνος lab",
            "lab manager",
            "lab coordinator",
            "computer lab manager",
            "head of the lab",
            "person in charge of the lab",
            "in charge of the lab",
        ),
    ),
    Concept(
        "sepehy",
        (
            "ΣΕΠΕΗΥ",
            "Σ.Ε.Π.Ε.Η.Υ.",
            "sepehy",
            "εργαστήριο",
            "εργαστήριο πληροφορικής",
            "σχολικό εργαστήριο",
            "lab",
            "laboratory",
            "computer lab",
        ),
    ),
    Concept(
        "keplinet",
        (
            "ΚΕ.ΠΛΗ.ΝΕ.Τ.",
            "ΚΕΠΛΗΝΕΤ",
            "keplinet",
            "kepli",
            "Κέντρο Πληροφορικής και Νέων Τεχνολογιών",
            "Κέντρα Πληροφορικής και Νέων Τεχνολογιών",
            "κέντρο πληροφορικής",
            "support centre",
            "support center",
            "IT support centre",
            "IT support center",
        ),
    ),
    Concept(
        "dde",
        (
            "ΔΔΕ",
            "Δ.Δ.Ε.",
            "ΔΙΔΕ",
            "Διεύθυνση Δευτεροβάθμιας Εκπαίδευσης",
            "Διεύθυνση Δευτεροβάθμιας",
            "Διεύθυνση Δ.Ε.",
            "Δ/νση Δ.Ε.",
            "Δ/νση Δ/θμιας Εκπ/σης",
            "Δ/νση Β/θμιας Εκπ/σης",
            "Διεύθυνση Β/θμιας",
            "Διεύθυνση Εκπαίδευσης",
            "directorate",
            "directorate of secondary education",
            "directorate of education",
            "dide",
        ),
    ),
    Concept(
        "school",
        (
            "σχολείο",
            "σχολική μονάδα",
            "γυμνάσιο",
            "λύκειο",
            "ΓΕΛ",
            "ΓΕ.Λ.",
            "ΕΠΑΛ",
            "ΕΠΑ.Λ.",
            "school",
            "gymnasium",
            "lyceum",
            "high school",
            "lower secondary",
            "upper secondary",
        ),
    ),
    Concept(
        "advice",
        (
            "συμβουλευτικά",
            "συμβουλεύει",
            "συμβουλή",
            "γνώμη",
            "εισήγηση",
            "advice",
            "advise",
            "advisory",
            "recommendation",
        ),
    ),
    Concept("director", ("διευθυντής", "διευθύντρια", "director", "principal", "headteacher")),
    Concept(
        "deputy",
        ("υποδιευθυντής", "υποδιευθύντρια", "deputy", "deputy director", "vice principal"),
    ),
    # Taking the lab on is being appointed its manager.
    Concept(
        "appoint",
        (
            "ορίζεται",
            "οριστεί",
            "ορίζομαι",
            "οριστώ",
            "αναλαμβάνει",
            "αναλάβει",
            "αναλαμβάνω",
            "αναλάβω",
            "appoint",
            "appointed",
            "take on",
        ),
    ),
    Concept("points", ("μόρια", "μοριοδότηση", "μοριοδοτείται", "points", "score", "scoring")),
    Concept("fault", ("βλάβη", "χαλασμένος", "χάλασε", "fault", "faulty", "broken", "breakdown")),
    Concept("repair", ("επισκευή", "επισκευάζω", "επιδιόρθωση", "repair", "fix")),
    Concept("phd", ("διδακτορικό", "διδάκτορας", "phd", "doctorate", "doctoral")),
    Concept(
        "master",
        ("μεταπτυχιακό", "μάστερ", "master", "masters", "msc", "postgraduate", "μεταπτυχιακός"),
    ),
    Concept(
        "abroad",
        (
            "εξωτερικό",
            "αλλοδαπή",
            "abroad",
            "foreign university",
            # a title from a named country is a title from abroad
            "Αγγλία",
            "Ηνωμένο Βασίλειο",
            "Βρετανία",
            "Σκωτία",
            "Ιρλανδία",
            "Γαλλία",
            "Γερμανία",
            "Ιταλία",
            "Ισπανία",
            "Ολλανδία",
            "Βέλγιο",
            "Αυστρία",
            "Ελβετία",
            "Σουηδία",
            "Κύπρος",
            "Βουλγαρία",
            "Ρουμανία",
            "Αμερική",
            "ΗΠΑ",
            "Καναδάς",
            "Αυστραλία",
            "England",
            "UK",
            "Britain",
            "Scotland",
            "Ireland",
            "France",
            "Germany",
            "Italy",
            "Spain",
            "Netherlands",
            "Belgium",
            "Austria",
            "Switzerland",
            "Sweden",
            "Cyprus",
            "Bulgaria",
            "Romania",
            "USA",
            "America",
            "Canada",
            "Australia",
        ),
    ),
    Concept("doatap", ("ΔΟΑΤΑΠ", "Δ.Ο.Α.Τ.Α.Π.", "ΔΙΚΑΤΣΑ", "ΔΙ.Κ.Α.Τ.Σ.Α.", "doatap", "dikatsa")),
    Concept(
        "language",
        (
            "γλωσσομάθεια",
            "ξένες γλώσσες",
            "ξένη γλώσσα",
            "foreign language",
            "foreign languages",
            "language certificate",
            "proficiency",
            "lower",
            "toefl",
            "ielts",
        ),
    ),
    Concept("english", ("αγγλικά", "english")),
    Concept("french", ("γαλλικά", "french")),
    Concept("german", ("γερμανικά", "german")),
    Concept("italian", ("ιταλικά", "italian")),
    Concept("spanish", ("ισπανικά", "spanish")),
    Concept(
        "day",
        (
            "ημέρα",
            "μέρα",
            "day",
            "days",
            # School days by name ("I am at the school on Tuesdays and Thursdays"); not
            # Δευτέρα, whose stem is that of δεύτερος (a second school, a second degree).
            "Τρίτη",
            "Τετάρτη",
            "Πέμπτη",
            "Παρασκευή",
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
        ),
    ),
    Concept("duty-roster", ("εφημερία", "εφημερίες", "yard duty", "supervision duty")),
    Concept("substitute", ("αναπληρωτής", "αναπληρώτρια", "substitute", "supply teacher")),
    Concept("hourly", ("ωρομίσθιος", "ωρομίσθια", "hourly-paid", "hourly paid", "hourly")),
    Concept("permanent", ("μόνιμος", "μόνιμη", "permanent", "tenured")),
    Concept("year", ("έτος", "χρόνος", "χρονιά", "year")),
    Concept("contact", ("επικοινωνία", "επικοινωνώ", "contact", "get in touch", "reach")),
    Concept("two", ("δύο", "δυο", "2", "two")),
    Concept("three", ("τρεις", "τρία", "3", "three")),
    Concept("phone", ("τηλέφωνο", "τηλεφωνικά", "τηλ", "phone", "telephone", "call")),
    Concept(
        "email", ("email", "e-mail", "μέιλ", "ηλεκτρονικό ταχυδρομείο", "ταχυδρομείο", "mail")
    ),
    Concept("remote", ("απομακρυσμένη", "απομακρυσμένα", "εξ αποστάσεως", "remote", "remotely")),
    Concept("upgrade", ("αναβάθμιση", "αναβαθμίζω", "upgrade", "upgrading")),
    Concept("software", ("λογισμικό", "software", "προγράμματα υπολογιστή")),
    Concept(
        "relocation",
        ("μετεγκατάσταση", "μετακόμιση", "μεταφορά εξοπλισμού", "relocation", "relocate", "move"),
    ),
    Concept("registry", ("κτηματολόγιο", "απογραφή", "inventory", "registry", "asset register")),
    Concept("seminar", ("σεμινάριο", "ημερίδα", "seminar", "workshop")),
    Concept("visit", ("επίσκεψη", "επισκέπτονται", "επισκέπτεται", "visit", "visits")),
    Concept("privacy", ("προσωπικά δεδομένα", "privacy", "gdpr", "personal data")),
    Concept("bot", ("bot", "μποτ", "chatbot", "keplibot")),
    Concept("informatics", ("πληροφορική", "πληροφορικάριος", "informatics", "computing")),
    Concept("branch", ("ΠΕ19", "ΠΕ20", "ΠΕ86", "pe19", "pe20", "pe86", "ειδικότητα", "κλάδος")),
    # Teachers name themselves by their subject: any other specialism asks the same question.
    Concept(
        "other-subject",
        (
            "φιλόλογος",
            "μαθηματικός",
            "φυσικός",
            "χημικός",
            "βιολόγος",
            "οικονομολόγος",
            "θεολόγος",
            "μηχανικός",
            "ηλεκτρολόγος",
            "ηλεκτρονικός",
            "philologist",
            "mathematician",
            "physicist",
            "chemist",
            "economist",
            "engineer",
            "physics teacher",
            "maths teacher",
            "math teacher",
            "science teacher",
            "language teacher",
        ),
    ),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GREEK_STOP_WORDS: Final = _words(
    """
ο η το οι τα του της των τον την τους τις ενας ενα μια μιας ενος
και κι ή ουτε ειτε αλλα ομως να θα με σε στο στη στην στον στα στους στις στης στου
απο για ως προς κατα μετα χωρις οτι πως που τι
εγω εσυ αυτος αυτη αυτο αυτοι αυτα μου σου του μας σας τους με σε τον
ειναι ειμαι εισαι ειμαστε ειστε ηταν εχω εχει εχουμε εχετε εχουν ειχα
μπορω μπορει μπορουμε μπορειτε πρεπει θελω θελει ηθελα ξερω ξερει ξερετε γνωριζει γνωριζετε
αν εαν οταν αρα δηλαδη λοιπον ακομα ακομη πολυ λιγο επισης ακριβως περιπου
καλημερα καλησπερα γεια χαιρετε παρακαλω ευχαριστω ευχαριστουμε ρωτησω ρωταω ερωτηση
γινεται γινονται ισχυει σχετικα σχετικο τυχον
"""
)
# Not stop words on purpose: `δεν`, `κανείς` (ysepehy-no-interest; also `κάνεις`, the same
# once accents go), `ποιος` (who can…), `πόσο`, `πότε`; in English `who`, `which`, `when`.
ENGLISH_STOP_WORDS: Final = _words(
    """
a an the and or of to in on at for from by with about as into is are was were be been
do does did i me my we our you your he she it its they them their this that these those
what whom how where why can could should would will shall may might must
there here have has had get got please hi hello thanks thank tell know anyone any some
exactly actually just really also
never ever heard idea wonder wondering curious sure someone something explain mean means
"""
)


# --- analysis -----------------------------------------------------------------------------------

_CONCEPT_PREFIX: Final = "#"
_MAX_PHRASE: Final = 6


class Analyzer:
    """Turns text into search terms for one catalog's language.

    Greek words: phonetic key + stem. Latin words: in the Greek index, Greeklish
    transliterated to Greek (choosing the spelling the index knows); in the
    English index, English stems. Stop words are dropped: Greek ones compared by
    phonetic key, not by stem, so `πως` goes but `πόσο` stays. Then synonyms: a
    word or a phrase is replaced by its concept.
    """

    def __init__(self, language: str, concepts: Sequence[Concept] = SYNONYMS) -> None:
        self.language = language
        self.known: set[str] = set()  # terms worth preferring when Greeklish is ambiguous
        self.stop_keys = frozenset(phonetic_key(fold(w)) for w in GREEK_STOP_WORDS)
        self.english_stop = frozenset(ENGLISH_STOP_WORDS)
        self.surface: dict[str, str] = {}  # folded word → concept
        self.single: dict[str, str] = {}  # term → concept
        # Single-word synonyms in the catalog's own script: the only ones that typos may
        # reach (an English word spelt in Greek letters must not pull `bread` to `broken`).
        self.own_script: set[str] = set()
        self.phrases: dict[tuple[str, ...], str] = {}  # terms → concept
        multi_word: list[tuple[str, str]] = []
        for concept in concepts:
            tag = _CONCEPT_PREFIX + concept.name
            for surface in concept.surfaces:
                words = tokens(surface)
                if len(words) != 1:
                    multi_word.append((surface, tag))
                    continue
                self.surface[words[0]] = tag
                term = self._term(words[0])
                # Short terms collide with other words (`ηυ` and `η` are both `ι`):
                # those surfaces only count written out exactly.
                if term and len(term) >= 4:
                    self.single[term] = tag
                    if (is_greek if language == "el" else is_latin)(words[0]):
                        self.own_script.add(term)
        # Phrases are keyed by their words' terms exactly as `terms` will see them.
        for surface, tag in multi_word:
            terms = tuple(term for term, _ in self._items(surface))
            if len(terms) > 1:
                self.phrases[terms] = tag
            elif terms:
                self.single.setdefault(terms[0], tag)
        self.known |= set(self.single)
        for phrase in self.phrases:
            self.known |= set(phrase)

    def _term(self, token: str) -> str | None:
        """The term of one folded word; None for a stop word, "" for no letters."""
        if token.isdigit():
            return token
        if is_greek(token):
            key = phonetic_key(token)
            return None if key in self.stop_keys else stem(key)
        if not is_latin(token):
            return ""
        if token in self.english_stop or len(token) < 2:
            return None
        if self.language == "en":
            return english_stem(token)
        keys = [phonetic_key(v) for v in greeklish_variants(token)]
        for key in keys:
            if key in self.stop_keys:
                return None
            if stem(key) in self.known:
                return stem(key)
        return stem(keys[0]) if keys else ""

    def _items(self, text: str) -> list[tuple[str, str | None]]:
        """(term, concept of the written word or None) per word, stop words out."""
        items: list[tuple[str, str | None]] = []
        for token in tokens(text[:MAX_QUERY_CHARS]):
            concept = self.surface.get(token)
            term = self._term(token)
            if concept is None and not term:
                continue
            items.append((term or token, concept))
        return items

    def terms(self, text: str) -> list[str]:
        """The search terms of `text`, synonyms applied (a phrase becomes its concept)."""
        items = self._items(text)
        raw = [term for term, _ in items]
        out: list[str] = []
        i = 0
        while i < len(items):
            for length in range(min(_MAX_PHRASE, len(raw) - i), 1, -1):
                tag = self.phrases.get(tuple(raw[i : i + length]))
                if tag:
                    out.append(tag)
                    i += length
                    break
            else:
                term, concept = items[i]
                out.append(concept or self.single.get(term, term))
                i += 1
        return out


# --- the index ------------------------------------------------------------------------------


class Decision(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # 0..1


@dataclass(frozen=True)
class SearchResult:
    """What the FAQ search concluded for one question; `hits` are ranked, best first."""

    query: str
    locale: str
    decision: Decision
    hits: tuple[Hit, ...]
    suggestions: tuple[str, ...] = ()  # ids to offer as "Did you mean", when DID_YOU_MEAN

    @property
    def answer_id(self) -> str | None:
        return self.hits[0].id if self.decision is Decision.ANSWER else None

    @property
    def top_score(self) -> float:
        return self.hits[0].score if self.hits else 0.0


@dataclass(frozen=True)
class Understanding:
    """How much of a question the index knows.

    `specificity`: the idf mass of the words it knows; a question made only of words
    that most entries share (`υπεύθυνος εργαστηρίου`) says little. `coverage`: the
    share of the question's mass that it knows (an unknown word weighs like the
    rarest known one); `capital of France` knows only `France`.
    """

    specificity: float = 0.0
    coverage: float = 0.0


@dataclass(frozen=True)
class Thresholds:
    """When the best score means an answer, a choice, or nothing (scores are 0..1)."""

    no_match: float = 0.16  # best below this: nothing fits
    answer: float = 0.34  # best at least this, and clearly ahead: answer directly
    close_ratio: float = 0.80  # runner-up at least this share of the best: too close to call
    suggestion_ratio: float = 0.45  # suggestions must reach this share of the best
    # idf mass a question needs to be answered outright: ln 2 is the idf of a word in
    # half the entries, so at least one word must be rarer than that.
    min_specificity: float = math.log(2)
    # More than half of the question must be understood: "capital of France" is not.
    min_coverage: float = 0.55
    max_suggestions: int = 3


# Field weights of BM25F: the question and its phrasings say what the entry is about,
# the answer mentions many things in passing.
_FIELDS: Final = {
    "question": (3.0, 0.5),
    "phrasings": (2.0, 0.5),
    "keywords": (2.0, 0.3),
    "answer": (0.7, 0.75),
}  # name → (weight, length normalisation b)
K1: Final = 1.2
BM25_SHARE: Final = 0.5  # the rest is the best-phrasing overlap
OTHER_LANGUAGE_FACTOR: Final = 0.95  # the user's own catalog wins a tie
_HTML_TAG: Final = re.compile(r"<[^>]+>")


@dataclass
class _LanguageIndex:
    analyzer: Analyzer
    ids: list[str]
    idf: dict[str, float]
    weighted_tf: dict[str, dict[int, float]]  # term → doc → BM25F pseudo-frequency
    units: list[tuple[int, frozenset[str], float]]  # (doc, terms, idf mass) per phrasing
    unit_postings: dict[str, list[int]]
    # Index terms a typo may reach, by first letter: like a search engine's fuzzy prefix
    # of one, a typo keeps the first letter (`ασχολούνται` is no typo of `σχολείο`).
    vocabulary: dict[str, list[str]] = field(default_factory=dict)
    resolve: dict[str, str] = field(default_factory=dict)  # fuzzy-only term → concept
    # A word the index cannot place weighs like its rarest word: a question about
    # something else must not look answered because one common word matched.
    unknown_idf: float = 0.0

    @classmethod
    def build(cls, catalog: FaqCatalog) -> _LanguageIndex:
        analyzer = Analyzer(catalog.language)
        entries = list(catalog.entries.values())
        # First pass: learn the vocabulary so Greeklish in the content resolves like queries.
        for entry in entries:
            for text in _entry_texts(entry):
                analyzer.known.update(analyzer.terms(text))
        fields: list[dict[str, list[str]]] = []
        for entry in entries:
            fields.append(
                {
                    "question": analyzer.terms(entry.question + " " + entry.title),
                    "phrasings": [t for p in entry.phrasings for t in analyzer.terms(p)],
                    "keywords": [t for k in entry.keywords for t in analyzer.terms(k)],
                    "answer": analyzer.terms(_HTML_TAG.sub(" ", entry.answer)),
                }
            )
        n = len(entries)
        avg = {f: max(1.0, sum(len(d[f]) for d in fields) / n) for f in _FIELDS}
        weighted_tf: dict[str, dict[int, float]] = defaultdict(dict)
        df: dict[str, int] = defaultdict(int)
        for doc, doc_fields in enumerate(fields):
            pseudo: dict[str, float] = defaultdict(float)
            for name, (weight, b) in _FIELDS.items():
                terms = doc_fields[name]
                norm = 1 - b + b * len(terms) / avg[name]
                for term in terms:
                    pseudo[term] += weight / norm
            for term, value in pseudo.items():
                weighted_tf[term][doc] = value
                df[term] += 1
        idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        units: list[tuple[int, frozenset[str], float]] = []
        unit_postings: dict[str, list[int]] = defaultdict(list)
        for doc, entry in enumerate(entries):
            for text in (entry.question, entry.title, *entry.phrasings, *entry.keywords):
                unit = frozenset(analyzer.terms(text))
                if not unit:
                    continue
                for term in unit:
                    unit_postings[term].append(len(units))
                units.append((doc, unit, sum(idf[t] for t in unit)))
        index = cls(
            analyzer, [e.id for e in entries], idf, dict(weighted_tf), units, unit_postings
        )
        index.resolve = {
            t: c for t, c in analyzer.single.items() if c in idf and t in analyzer.own_script
        }
        for term in sorted(set(idf) | set(index.resolve)):
            if not term.startswith(_CONCEPT_PREFIX):
                index.vocabulary.setdefault(term[0], []).append(term)
        index.unknown_idf = max(idf.values())
        analyzer.known |= set(idf)
        return index

    def _matches(self, term: str) -> list[tuple[str, float]]:
        """Index terms a query term stands for, with a weight in (0, 1]."""
        if term in self.idf:
            return [(term, 1.0)]
        # Four letters or fewer are too few to tell a typo from another word (a name like
        # `Αλίκη` is one letter from `αγγλικ-`).
        if term.startswith(_CONCEPT_PREFIX) or term.isdigit() or len(term) < 5:
            return []
        cutoff = 86.0 if len(term) <= 5 else 78.0
        found = process.extract(
            term,
            self.vocabulary.get(term[0], []),
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            limit=3,
        )
        out: dict[str, float] = {}
        for candidate, similarity, _ in found:
            target = self.resolve.get(candidate, candidate)
            if target in self.idf:
                weight = (similarity / 100.0) ** 2
                out[target] = max(out.get(target, 0.0), weight)
        return list(out.items())

    def score(self, query: str) -> tuple[dict[str, float], Understanding]:
        """Entry id → score in [0, 1] (entries that match nothing left out), and how much
        of the query the index understood."""
        terms = list(dict.fromkeys(self.analyzer.terms(query)))
        if not terms:
            return {}, Understanding()
        bm25: dict[int, float] = defaultdict(float)
        overlap: dict[int, float] = defaultdict(float)
        best_possible = 0.0
        query_mass = 0.0
        specificity = 0.0
        for term in terms:
            matches = self._matches(term)
            weight_idf = max((w * self.idf[t] for t, w in matches), default=self.unknown_idf)
            if matches:
                specificity += weight_idf
            best_possible += weight_idf * (K1 + 1)
            query_mass += weight_idf
            per_doc: dict[int, float] = {}
            per_unit: dict[int, float] = {}
            for matched, weight in matches:
                term_idf = self.idf[matched]
                for doc, tf in self.weighted_tf[matched].items():
                    value = weight * term_idf * tf * (K1 + 1) / (tf + K1)
                    per_doc[doc] = max(per_doc.get(doc, 0.0), value)
                for unit in self.unit_postings.get(matched, ()):
                    per_unit[unit] = max(per_unit.get(unit, 0.0), weight * term_idf)
            for doc, value in per_doc.items():
                bm25[doc] += value
            for unit, value in per_unit.items():
                overlap[unit] += value
        best_unit: dict[int, float] = defaultdict(float)
        for unit, matched_mass in overlap.items():
            doc, _, unit_mass = self.units[unit]
            dice = 2 * matched_mass / (query_mass + unit_mass) if query_mass + unit_mass else 0.0
            best_unit[doc] = max(best_unit[doc], dice)
        scores = {}
        for doc in set(bm25) | set(best_unit):
            normalised = bm25.get(doc, 0.0) / best_possible if best_possible else 0.0
            value = BM25_SHARE * normalised + (1 - BM25_SHARE) * best_unit.get(doc, 0.0)
            if value > 0:
                scores[self.ids[doc]] = min(1.0, value)
        return scores, Understanding(specificity, specificity / query_mass)


def _entry_texts(entry: FaqEntry) -> Iterator[str]:
    yield entry.question
    yield entry.title
    yield from entry.phrasings
    yield from entry.keywords
    yield _HTML_TAG.sub(" ", entry.answer)


class FaqIndex:
    """Both catalogs and their search indexes; build once at start (`FaqIndex.load`)."""

    def __init__(
        self, catalogs: Mapping[str, FaqCatalog], thresholds: Thresholds | None = None
    ) -> None:
        self.catalogs = dict(catalogs)
        self.thresholds = thresholds or Thresholds()
        self._indexes = {lang: _LanguageIndex.build(c) for lang, c in self.catalogs.items()}

    @classmethod
    def load(cls, directory: Path = FAQ_DIR, thresholds: Thresholds | None = None) -> FaqIndex:
        """Load, validate and index `<directory>/{el,en}/faq.yaml` (FaqContentError if broken)."""
        return cls(load_catalogs(directory), thresholds)

    # content

    def catalog(self, locale: str) -> FaqCatalog:
        return self.catalogs[locale if locale in self.catalogs else LANGUAGES[0]]

    def entry(self, entry_id: str, locale: str) -> FaqEntry:
        return self.catalog(locale).entries[entry_id]

    def ids(self) -> list[str]:
        return list(self.catalog(LANGUAGES[0]).entries)

    def groups(self, locale: str) -> list[tuple[str, str, list[FaqEntry]]]:
        """(group key, title, entries) in menu order, for the FAQ menu."""
        catalog = self.catalog(locale)
        return [(key, title, catalog.entries_in(key)) for key, title in catalog.groups.items()]

    def render_answer(
        self, entry_id: str, locale: str, contacts: CentreContacts | None = None
    ) -> str:
        return self.catalog(locale).render_answer(entry_id, contacts)

    # search

    def terms(self, text: str, language: str) -> list[str]:
        """The search terms of `text` in `language`'s index (concepts start with `#`)."""
        return self._indexes[language].analyzer.terms(text)

    def rank(self, query: str, locale: str) -> list[Hit]:
        """Every entry that matches at all, best first (ties by catalog order)."""
        return self._rank(query, locale)[0]

    def understanding(self, query: str, locale: str) -> Understanding:
        """How much of `query` the catalogs understand (see `Understanding`)."""
        return self._rank(query, locale)[1]

    def _rank(self, query: str, locale: str) -> tuple[list[Hit], Understanding]:
        own = locale if locale in self._indexes else LANGUAGES[0]
        merged: dict[str, float] = {}
        understood = Understanding()
        for lang, index in self._indexes.items():
            factor = 1.0 if lang == own else OTHER_LANGUAGE_FACTOR
            scores, known = index.score(query)
            understood = Understanding(
                max(understood.specificity, known.specificity),
                max(understood.coverage, known.coverage),
            )
            for entry_id, value in scores.items():
                merged[entry_id] = max(merged.get(entry_id, 0.0), value * factor)
        order = {entry_id: i for i, entry_id in enumerate(self.ids())}
        ranked = sorted(merged.items(), key=lambda kv: (-kv[1], order[kv[0]]))
        return [Hit(entry_id, round(value, 4)) for entry_id, value in ranked], understood

    def search(self, query: str, locale: str, limit: int = 5) -> SearchResult:
        """Rank the entries for `query` and decide: answer, did you mean, or no match."""
        ranked, understood = self._rank(query, locale)
        hits = tuple(ranked[:limit])
        decision, suggestions = decide(hits, self.thresholds, understood)
        return SearchResult(query, locale, decision, hits, suggestions)


def decide(
    hits: Sequence[Hit], thresholds: Thresholds, understood: Understanding | None = None
) -> tuple[Decision, tuple[str, ...]]:
    """The decision for ranked hits, and the ids to suggest when it is DID_YOU_MEAN.

    A question that says too little, or that is mostly words the index does not
    know (`understood`), is never answered outright, however well it matched.
    """
    understood = understood or Understanding(math.inf, 1.0)
    if not hits or hits[0].score < thresholds.no_match:
        return Decision.NO_MATCH, ()
    best = hits[0].score
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    clear = runner_up < best * thresholds.close_ratio
    sure = (
        understood.specificity >= thresholds.min_specificity
        and understood.coverage >= thresholds.min_coverage
    )
    if best >= thresholds.answer and clear and sure:
        return Decision.ANSWER, ()
    floor = max(thresholds.no_match, best * thresholds.suggestion_ratio)
    suggestions = tuple(h.id for h in hits if h.score >= floor)[: thresholds.max_suggestions]
    return Decision.DID_YOU_MEAN, suggestions
