"""Acceptance review of `keplibot teams manifest` (issue 16): packages Teams would refuse."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from teams.manifest import AppInfo, ManifestError, outline_icon, package, png
from tests.unit.test_teams_manifest import BOT_ID

INFO: dict[str, Any] = {
    "bot_id": BOT_ID,
    "website": "https://bot.example.gr",
    "privacy_url": "https://bot.example.gr/privacy",
    "terms_url": "https://bot.example.gr/terms",
}


def test_with_english_as_default_the_package_still_holds_greek(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEFAULT_LOCALE=en: the manifest in English, the additional language Greek (el.json);
    not en twice (default and additional) and no Greek at all."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAMS_APP_ID", BOT_ID)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example.gr")
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    assert main(["teams", "manifest", "-o", str(tmp_path / "app.zip")]) == 0
    written = zipfile.ZipFile(tmp_path / "app.zip")
    manifest = json.loads(written.read("manifest.json"))
    info = manifest["localizationInfo"]
    assert info["defaultLanguageTag"] == "en"
    assert info["additionalLanguages"] == [{"languageTag": "el", "file": "el.json"}]
    greek = json.loads(written.read("el.json"))
    assert greek["bots[0].commandLists[0].commands[0].description"].startswith("Υπολογισμός")
    assert manifest["bots"][0]["commandLists"][0]["commands"][0]["description"].startswith(
        "Calculate"
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"color_icon": png(100, lambda x, y: (255, 0, 0, 255))}, "--color-icon"),
        ({"color_icon": b"not a picture"}, "--color-icon"),
        ({"outline_icon": png(192, lambda x, y: (255, 255, 255, 255))}, "--outline-icon"),
        ({"color_icon": outline_icon()}, "--color-icon"),  # the 32×32 one as the colour icon
        ({"developer": "Δ" * 33}, "--developer"),  # schema 1.17: developer.name ≤ 32
    ],
)
def test_icons_and_names_teams_would_refuse_are_refused_here(
    change: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ManifestError, match=problem):
        package(AppInfo(**{**INFO, **change}))


def test_icons_of_the_right_size_are_taken() -> None:
    color = png(192, lambda x, y: (200, 10, 10, 255))
    outline = png(32, lambda x, y: (255, 255, 255, 255 if x == y else 0))
    written = zipfile.ZipFile(
        io.BytesIO(package(AppInfo(**INFO, color_icon=color, outline_icon=outline)))
    )
    assert written.read("color.png") == color
    assert written.read("outline.png") == outline
