"""The chat's total against the oracle, for random declarations.

A random declaration is what a teacher means to declare (revision 2: employment,
manager at another school, the organic post for the two-day exception, a
doctorate in the same field as a master's). A teacher answers the interview for
it through the emulator, with buttons (typing only dates, names, branches,
numbers above the keypad, and now and then a button's own label), in Greek or
English. Then the totals on screen (both, when they differ) and the eligibility
must be `scoring.score` of that declaration, the downloaded JSON must be that
declaration, and `keplibot score` on the downloaded file must print them.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.dialogs.points.chat import ADD_ANOTHER, ADD_FIRST, NONE_OF_KIND
from bot.dialogs.points.labels import option_text
from bot.dialogs.points.questions import question_text
from bot.dialogs.points.words import STATUS_TEXTS
from bot.emulator.sim import SimUser
from bot.i18n import Translator, get_translator
from scoring import Declaration, parse_declaration, score
from scoring.engine import language_key
from scoring.interview import COMMON_LANGUAGES, INTERVIEW, AnswerKind
from tests.e2e.conftest import BotHarness, labels
from tests.e2e.points_chat import Teacher

JSON = dict[str, Any]
SEEDS = range(12, 20)
MAX_STEPS = 250
BRANCHES = ("ΠΕ86", "ΠΕ19", "ΠΕ20", "ΠΕ04.01", "")
LANGUAGES = (*COMMON_LANGUAGES, "Ολλανδικά", "Swedish", "ελληνικά", "Αγγλικά", "English")
EMPLOYMENTS = ("permanent", "permanent", "full_time_substitute", "reduced_hours_substitute",
               "hourly_paid")  # fmt: skip
COUNTS = (
    "keplinet_head_years",
    "keplinet_staff_years_3plus_days",
    "keplinet_staff_years_under_3_days",
    "keplinet_acting_head_years",
)


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """Many interviews: SQLite only (the flows' tests cover PostgreSQL)."""
    return sqlite_database_url


def random_declaration(rng: random.Random) -> JSON:
    """A declaration the interview can express: a doctorate continues a master's degree
    given before it (the continuation question is asked about the masters already given)."""
    facts: JSON = {"teaches_informatics": rng.random() < 0.85}
    if facts["teaches_informatics"]:
        facts["role"] = rng.choice(("teacher", "teacher", "director", "deputy_director"))
        if facts["role"] != "teacher":
            facts["sole_informatics_teacher"] = rng.random() < 0.5
        facts["employment"] = rng.choice(EMPLOYMENTS)
        facts["days_per_week_at_school"] = rng.choice((0, 1, 2, 2, 2, 3, 4, 5, 6, 7))
        if facts["days_per_week_at_school"] == 2:
            facts["completes_hours_at_schools_with_manager"] = rng.random() < 0.7
        facts["manager_at_other_school"] = rng.random() < 0.25
    facts["branch"] = rng.choice(BRANCHES)

    titles: list[JSON] = []
    for n in range(1, rng.randint(0, 4) + 1):
        kinds = ("phd", "master", "second_degree") if n > 1 else ("master", "phd")
        title: JSON = {
            "kind": rng.choice(kinds),
            "related": rng.random() < 0.5,
            "id": f"t{n}",
            "recognised": rng.random() < 0.8,
        }
        masters = [t["id"] for t in titles if t["kind"] == "master"]
        if title["kind"] == "phd" and masters and rng.random() < 0.6:
            title["continues"] = rng.choice(masters)
        others = [m for m in masters if m != title.get("continues")]
        if title["kind"] == "phd" and others and rng.random() < 0.6:
            title["same_field_as"] = rng.choice(others)
        titles.append(title)

    declaration: JSON = {"schema": "ysepehy-declaration/1", "titles": titles}
    if rng.random() < 0.5:
        declaration.update({name: rng.randint(0, 9) for name in COUNTS})
    for name in (
        "lab_manager_effective_years",
        "keplinet_training_years",
        "certified_trainer_programmes",
        "lab_procurement_procedures",
    ):
        declaration[name] = rng.choice((0, 0, 1, 2, 3, 5, 6, 11))
    periods = []
    for _ in range(rng.randint(0, 3)):
        start = date(2000, 1, 1) + timedelta(days=rng.randint(0, 8000))
        period: JSON = {
            "start": start.isoformat(),
            "end": (start + timedelta(days=rng.randint(0, 1200))).isoformat(),
        }
        if rng.random() < 0.25:
            period["from_thesis"] = True
        periods.append(period)
    declaration["lab_experience_periods"] = periods
    declaration["ict_level_b_certified"] = rng.random() < 0.5
    declaration["languages"] = [
        {"language": rng.choice(LANGUAGES), "level": rng.choice(("A1", "B1", "B2", "C1", "C2"))}
        for _ in range(rng.randint(0, 3))
    ]
    declaration["organic_position_at_school"] = rng.random() < 0.4
    declaration["eligibility"] = facts
    return declaration


def question_keys(tr: Translator) -> dict[str, str]:
    """The question texts in `tr`'s language → the interview's question keys."""
    keys: dict[str, str] = {}
    for question in INTERVIEW.questions:
        keys[question_text(tr, INTERVIEW.ruleset, question).text] = question.key
        for sub in question.items:
            keys[question_text(tr, INTERVIEW.ruleset, sub).text] = sub.key
    return keys


def typed_date(rng: random.Random, iso: str) -> str:
    day = date.fromisoformat(iso)
    return rng.choice(
        (iso, f"{day.day}/{day.month}/{day.year}", f"{day.day:02}.{day.month:02}.{day.year}")
    )


class Interviewee:
    """Answers the question on screen for `declaration`, as a person with a phone would."""

    def __init__(self, teacher: Teacher, tr: Translator, declaration: JSON, seed: int) -> None:
        self.teacher = teacher
        self.tr = tr
        self.declaration = declaration
        self.rng = random.Random(seed)
        self.keys = question_keys(tr)
        self.started: dict[str, int] = {}  # list key → items added so far

    def question_key(self) -> str:
        head, text = self.teacher.question.split("\n")[:2]
        assert "/" in head or head.startswith("✏️"), self.teacher.text
        return self.keys[text]

    def value(self, key: str) -> Any:
        if "." in key:
            listed, name = key.split(".")
            item = self.declaration[listed][self.started[listed] - 1]
            if name == "from_abroad":
                return not item["recognised"] or item["id"] in ("t2", "t4")
            return item.get(name, False if name == "from_thesis" else None)
        if key == "keplinet_service":
            return COUNTS[0] in self.declaration
        if key == "organic_post_two_days":
            return self.declaration["organic_position_at_school"]
        facts = self.declaration["eligibility"]
        return facts[key] if key in facts else self.declaration[key]

    async def yes_no(self, value: bool) -> None:
        _ = self.tr.gettext
        if self.rng.random() < 0.2:
            await self.teacher.send(_("Yes") if value else _("No"))
        else:
            await self.teacher.press(_("Yes") if value else _("No"))

    async def press_or_type(self, label: str) -> None:
        """Press the button, or now and then type its label (the same, for the bot)."""
        if self.rng.random() < 0.15:
            await self.teacher.send(label.lower())
        else:
            await self.teacher.press(label)

    async def number(self, value: int, skippable: bool) -> None:
        screen = labels(self.teacher.screen)
        if value == 0 and skippable and self.rng.random() < 0.5:
            await self.teacher.press(self.tr.gettext("Skip") + " »")
        elif str(value) in screen and self.rng.random() < 0.8:
            await self.teacher.press(self.tr.number(value))
        elif self.rng.random() < 0.5 and self.tr.gettext("More…") in screen:
            await self.teacher.press(self.tr.gettext("More…"))
            await self.teacher.send(str(value))
        else:
            await self.teacher.send(str(value))

    async def list_screen(self, key: str, kind: AnswerKind) -> None:
        _ = self.tr.gettext
        items = self.declaration[key]
        added = self.started.get(key, 0)
        if added < len(items):
            self.started[key] = added + 1
            await self.press_or_type("➕ " + _((ADD_ANOTHER if added else ADD_FIRST)[kind]))
        elif items:
            await self.press_or_type("✅ " + _("Done"))
        else:
            await self.press_or_type(_(NONE_OF_KIND[kind]))

    async def answer(self) -> None:
        key = self.question_key()
        value = self.value(key)
        tr = self.tr
        question = INTERVIEW.by_key.get(key)
        if question is not None and question.kind in (
            AnswerKind.TITLES,
            AnswerKind.PERIODS,
            AnswerKind.LANGUAGES,
        ):
            await self.list_screen(key, question.kind)
        elif key in ("titles.continues", "titles.same_field_as"):
            if value is None and key == "titles.same_field_as":
                await self.teacher.press(tr.gettext("No, another field"))
            elif value is None:
                await self.teacher.press(tr.gettext("No, another programme"))
            else:
                number = int(str(value).removeprefix("t"))
                prefix = tr.gettext("Yes, title {n}: {title}").split("{title}")[0]
                await self.teacher.press(prefix.format(n=number))
        elif key.endswith(("start", "end")):
            await self.teacher.send(typed_date(self.rng, value))
        elif key == "languages.language" and value not in COMMON_LANGUAGES:
            await self.teacher.send(value)
        elif key == "branch" and value == "":
            await self.teacher.press(tr.gettext("Skip") + " »")
        elif key == "branch" and value not in BRANCHES[:3]:
            await self.teacher.send(value)
        elif isinstance(value, bool):
            await self.yes_no(value)
        elif isinstance(value, int):
            await self.number(value, skippable=question is not None and question.key in COUNTS)
        else:
            await self.teacher.press(option_text(tr, key, str(value)))

    async def interview(self) -> str:
        """Answer to the end; the result on screen."""
        await self.teacher.send("/points")
        for _ in range(MAX_STEPS):
            if "⬇️ JSON" in labels(self.teacher.screen):
                return self.teacher.text
            await self.answer()
        raise AssertionError(f"no result after {MAX_STEPS} answers:\n{self.teacher.text}")


def same_language_names(value: JSON) -> Declaration:
    """The declaration with each language as its key: a typed "English" is the button "en"
    (one language, spec revision 2)."""
    declaration = parse_declaration(value)
    languages = tuple(
        replace(skill, language=language_key(skill.language)) for skill in declaration.languages
    )
    return replace(declaration, languages=languages)


def shown_totals(tr: Translator, text: str) -> tuple[Decimal, Decimal]:
    """The total on screen, and the lower total shown beside it (else the same)."""
    marker = tr.gettext("Provisional total: {total}").split("{total}")[0]
    [line] = [line for line in text.splitlines() if line.startswith(marker)]
    figures = line.removeprefix(marker).split()
    low = figures[2] if len(figures) > 2 else figures[0]
    return decimal_of(tr, figures[0]), decimal_of(tr, low)


def decimal_of(tr: Translator, figure: str) -> Decimal:
    return Decimal(figure.replace(",", ".") if tr.locale == "el" else figure)


def shown_status(tr: Translator, text: str) -> str | None:
    for status, verdict in STATUS_TEXTS.items():
        if tr.gettext(verdict) in text:
            return status.value
    return None


@pytest.mark.parametrize("seed", SEEDS)
async def test_the_chat_total_is_the_oracle_s(
    bot: BotHarness, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(seed)
    locale = "el" if seed % 2 == 0 else "en"
    tr = get_translator(locale)
    declaration = random_declaration(rng)
    oracle = score(parse_declaration(declaration))

    teacher = Teacher(bot, SimUser(2000 + seed, "Δοκιμή", language_code=locale))
    summary = await Interviewee(teacher, tr, declaration, seed).interview()
    shown = json.dumps(declaration, ensure_ascii=False)
    assert shown_totals(tr, summary) == (oracle.total, oracle.total_min), shown
    assert oracle.eligibility is not None
    assert shown_status(tr, summary) == oracle.eligibility.status.value, shown

    [file_message] = (await teacher.press("⬇️ JSON")).new
    data = await teacher.download(file_message)
    assert same_language_names(json.loads(data)) == same_language_names(declaration)

    path = tmp_path / "declaration.json"
    path.write_bytes(data)
    capsys.readouterr()
    assert main(["score", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out, parse_float=Decimal)
    assert Decimal(str(printed["total"])) == oracle.total
    assert Decimal(str(printed["total_min"])) == oracle.total_min
    assert printed["eligibility"]["status"] == oracle.eligibility.status.value
    assert printed["eligibility"]["eligible"] is oracle.eligibility.eligible


def test_the_random_declarations_reach_every_outcome() -> None:
    """The seeds cover what revision 2 added, so the oracle test exercises it."""
    results = [score(parse_declaration(random_declaration(random.Random(s)))) for s in SEEDS]
    statuses = {r.eligibility.status.value for r in results if r.eligibility is not None}
    assert statuses == {"eligible", "fallback", "not_eligible"}
    assert any(r.total_min < r.total for r in results)
