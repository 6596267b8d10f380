"""`keplibot teams manifest`: the Teams app package (zip) and what is in it."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from teams.manifest import AppInfo, ManifestError, package

BOT_ID = "11111111-2222-4333-8444-555555555555"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> zipfile.ZipFile:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("TEAMS_APP_ID", BOT_ID)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example.gr")
    monkeypatch.setenv("DEFAULT_LOCALE", "el")
    assert main(["teams", "manifest", "-o", str(tmp_path / "app.zip")]) == 0
    return zipfile.ZipFile(tmp_path / "app.zip")


def test_the_package_holds_the_manifest_its_english_and_two_icons(
    written: zipfile.ZipFile,
) -> None:
    assert sorted(written.namelist()) == ["color.png", "en.json", "manifest.json", "outline.png"]
    assert png_size(written.read("color.png")) == (192, 192)
    assert png_size(written.read("outline.png")) == (32, 32)


def test_the_manifest_names_the_bot_in_the_personal_scope_with_greek_commands(
    written: zipfile.ZipFile,
) -> None:
    manifest = json.loads(written.read("manifest.json"))
    assert manifest["manifestVersion"] == "1.17"
    assert manifest["$schema"].endswith("/v1.17/MicrosoftTeams.schema.json")
    assert manifest["id"] == BOT_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == BOT_ID
    assert bot["scopes"] == ["personal"]
    assert bot["supportsFiles"] is True  # a declaration sent as a file
    [commands] = bot["commandLists"]
    assert commands["scopes"] == ["personal"]
    titles = [c["title"] for c in commands["commands"]]
    assert titles == [
        *("points", "mypoints", "faq", "report", "mytickets", "reminders"),
        *("language", "cancel", "help"),
    ]
    assert len(titles) <= 10  # Teams takes at most 10 commands per list
    assert (
        commands["commands"][0]["description"] == "Υπολογισμός μορίων για τη θέση Υ.Σ.Ε.Π.Ε.Η.Υ."
    )
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["developer"]["privacyUrl"] == "https://bot.example.gr"
    assert manifest["validDomains"] == ["bot.example.gr"]
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "el",
        "additionalLanguages": [{"languageTag": "en", "file": "en.json"}],
    }
    # Teams' limits on the texts.
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000


def test_the_english_file_translates_every_text_and_command(written: zipfile.ZipFile) -> None:
    english = json.loads(written.read("en.json"))
    assert english["description.short"] == (
        "Lab manager points, answers, fault reports and reminders"
    )
    assert english["bots[0].commandLists[0].commands[2].title"] == "faq"
    assert english["bots[0].commandLists[0].commands[2].description"] == (
        "Frequently asked questions: ask me in your own words"
    )
    assert len(english["description.short"]) <= 80


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"bot_id": "not-a-guid"}, "TEAMS_APP_ID"),
        ({"website": "http://bot.example.gr"}, "--website"),
        ({"version": "v1"}, "--app-version"),
    ],
)
def test_values_teams_would_refuse_are_refused_here(change: dict[str, str], problem: str) -> None:
    values: dict[str, Any] = {
        "bot_id": BOT_ID,
        "website": "https://bot.example.gr",
        "privacy_url": "https://bot.example.gr/privacy",
        "terms_url": "https://bot.example.gr/terms",
        **change,
    }
    with pytest.raises(ManifestError, match=problem):
        package(AppInfo(**values))


def test_without_teams_app_id_the_command_names_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    assert main(["teams", "manifest"]) == 78
    assert "TEAMS_APP_ID: missing" in capsys.readouterr().err
    assert not (tmp_path / "keplibot-teams.zip").exists()
