"""Shared helpers for the scoring tests: where the spec lives, hypothesis strategies."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from scoring.declaration import MAX_COUNT
from scoring.ruleset import Level, TitleKind

REPO_ROOT = Path(__file__).resolve().parents[2]
# The worked examples of the revision the code implements (spec section 5).
EXAMPLES_DIR = "examples-rev2"


def spec_dir() -> Path:
    """The shared spec directory: $KEPLIBOT_SPEC_DIR, else `../shared/spec` beside the repo.

    Missing: the test fails under CI (the examples are part of the contract) and is
    skipped on a developer machine that has only the repository.
    """
    configured = os.environ.get("KEPLIBOT_SPEC_DIR")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "spec"
    if not (path / EXAMPLES_DIR).is_dir():
        message = f"scoring spec examples not found in {path} (set KEPLIBOT_SPEC_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def example_names() -> list[str]:
    """Names of the worked examples (`NAME.json` beside `NAME.expected.json`), or [] if absent."""
    configured = os.environ.get("KEPLIBOT_SPEC_DIR")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "spec"
    return sorted(
        p.name.removesuffix(".expected.json")
        for p in (path / EXAMPLES_DIR).glob("*.expected.json")
    )


COUNT_FIELDS = (
    "keplinet_head_years",
    "keplinet_staff_years_3plus_days",
    "keplinet_staff_years_under_3_days",
    "keplinet_acting_head_years",
    "lab_manager_effective_years",
    "keplinet_training_years",
    "certified_trainer_programmes",
    "lab_procurement_procedures",
)
FLAG_FIELDS = ("ict_level_b_certified", "organic_position_at_school")
LANGUAGE_NAMES = (
    "en", "EN", " English ", "Αγγλικά", "fr", "Γαλλικά", "french", "de", "it", "el", "Ελληνικά",
    "es", "Ολλανδικά", "Klingon",
)  # fmt: skip
EMPLOYMENTS = ("permanent", "full_time_substitute", "reduced_hours_substitute", "hourly_paid")

dates = st.dates(min_value=date(1970, 1, 1), max_value=date(2040, 12, 31))


@st.composite
def periods(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(dates)
    length = draw(st.integers(min_value=0, max_value=3000))
    end = start + timedelta(days=length)
    period: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat()}
    if draw(st.booleans()):
        period["from_thesis"] = draw(st.booleans())
    return period


@st.composite
def titles(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Titles with unique ids; some PhDs continue one of the masters, some are in the same
    field as another (revision 2)."""
    raw = draw(
        st.lists(
            st.fixed_dictionaries(
                {"kind": st.sampled_from([k.value for k in TitleKind]), "related": st.booleans()},
                optional={"recognised": st.booleans()},
            ),
            max_size=6,
        )
    )
    out = [dict(t, id=f"t{i}") if draw(st.booleans()) else dict(t) for i, t in enumerate(raw)]
    masters = [t["id"] for t in out if t["kind"] == "master" and "id" in t]
    for t in out:
        if t["kind"] == "phd" and masters and draw(st.booleans()):
            t["continues"] = draw(st.sampled_from(masters))
        others = [m for m in masters if m != t.get("continues")]
        if t["kind"] == "phd" and others and draw(st.booleans()):
            t["same_field_as"] = draw(st.sampled_from(others))
    return out


languages = st.fixed_dictionaries(
    {
        "language": st.sampled_from(LANGUAGE_NAMES),
        "level": st.sampled_from([x.value for x in Level]),
    }
)

eligibility = st.fixed_dictionaries(
    {},
    optional={
        "teaches_informatics": st.booleans(),
        "role": st.sampled_from(["teacher", "director", "deputy_director"]),
        "sole_informatics_teacher": st.booleans(),
        "days_per_week_at_school": st.integers(min_value=0, max_value=7),
        "completes_hours_at_schools_with_manager": st.booleans(),
        "branch": st.sampled_from(["", "ΠΕ86", "pe 19", "Π.Ε.20", "ΠΕ03", "ΠΕ04.01"]),
        "employment": st.sampled_from(EMPLOYMENTS),
        "manager_at_other_school": st.booleans(),
    },
)

counts = st.integers(min_value=0, max_value=MAX_COUNT)


@st.composite
def declarations(draw: st.DrawFn) -> dict[str, Any]:
    """Valid declaration objects (JSON form), from empty to everything at once."""
    decl: dict[str, Any] = {}
    for name in COUNT_FIELDS:
        if draw(st.booleans()):
            decl[name] = draw(counts)
    for name in FLAG_FIELDS:
        if draw(st.booleans()):
            decl[name] = draw(st.booleans())
    if draw(st.booleans()):
        decl["titles"] = draw(titles())
    if draw(st.booleans()):
        decl["lab_experience_periods"] = draw(st.lists(periods(), max_size=5))
    if draw(st.booleans()):
        decl["languages"] = draw(st.lists(languages, max_size=6))
    if draw(st.booleans()):
        decl["eligibility"] = draw(eligibility)
    return decl
