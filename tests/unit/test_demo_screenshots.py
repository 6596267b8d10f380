"""`make screenshots` keeps working: it runs the browser tour with KEPLIBOT_SCREENSHOTS=docs,
the tour takes every screenshot the README shows (the tour itself checks that each one is
taken), and they are in docs/."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOUR = REPO / "tests" / "e2e" / "test_demo_tour.py"


def recipe(target: str) -> str:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    found = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert found is not None, f"no make target {target}"
    return found.group(1)


def test_make_screenshots_runs_the_tour_into_docs() -> None:
    lines = recipe("screenshots")
    assert "KEPLIBOT_SCREENSHOTS=docs" in lines
    assert "tests/e2e/test_demo_tour.py" in lines
    assert "ensure-chromium.sh" in lines


def test_the_readme_shows_exactly_the_screenshots_the_tour_takes() -> None:
    shown = set(re.findall(r"\]\((docs/demo-[\w-]+\.png)\)", (REPO / "README.md").read_text()))
    taken = {f"docs/{name}" for name in re.findall(r'"(demo-[\w-]+\.png)"', TOUR.read_text())}
    assert shown
    assert shown == taken
    for path in shown:
        assert (REPO / path).read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), path
