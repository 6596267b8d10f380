"""Settings: parsing, one clear line naming a bad setting, secrets never shown."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.config import Settings, SettingsError, hide_password, load_settings

REPO = Path(__file__).resolve().parents[2]
SETTING_NAMES = [name.upper() for name in Settings.model_fields]
SECRET_SETTINGS = [
    name.upper()
    for name, field in Settings.model_fields.items()
    if field.annotation is SecretStr or SecretStr in get_args(field.annotation)
]


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No setting in the environment and an empty working directory (so no .env)."""
    for name in os.environ:
        if name.upper() in SETTING_NAMES:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def error_for(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> str:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    return str(raised.value)


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///keplibot.sqlite3"
    assert settings.default_locale == "el"
    assert settings.admin_ids == []
    assert settings.timezone == "Europe/Athens"
    assert settings.listen_port == 8443
    assert settings.telegram_token is None


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("123456789", [123456789]),
        ("1, 2,3", [1, 2, 3]),
        ("10;20", [10, 20]),
        (" 7 ,, 8 ,", [7, 8]),
    ],
)
def test_admin_ids_are_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch, value: str, ids: list[int]
) -> None:
    monkeypatch.setenv("ADMIN_IDS", value)
    assert load_settings().admin_ids == ids


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADMIN_IDS", "12,bob"),
        ("TIMEZONE", "Europe/Atlantis"),
        ("TIMEZONE", "../../etc/passwd"),
        ("LISTEN_PORT", "http"),
        ("LISTEN_PORT", "0"),
        ("LISTEN_PORT", "70000"),
        ("DEFAULT_LOCALE", "fr"),
        ("LOG_LEVEL", "LOUD"),
        ("ADMIN_CHAT_ID", "-100abc"),
        ("DATABASE_URL", "mysql://bot@db/keplibot"),
        ("DATABASE_URL", "keplibot.sqlite3"),
    ],
)
def test_a_malformed_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    message = error_for(monkeypatch, name, value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message


def test_an_unknown_time_zone_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "unknown time zone 'Europe/Atlantis'" in error_for(
        monkeypatch, "TIMEZONE", "Europe/Atlantis"
    )


def test_the_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("sqlite:///data/bot.sqlite3", "sqlite+aiosqlite:///data/bot.sqlite3"),
        ("postgres://bot@db/keplibot", "postgresql+asyncpg://bot@db/keplibot"),
        ("postgresql://bot@db:5432/keplibot", "postgresql+asyncpg://bot@db:5432/keplibot"),
        ("postgresql+asyncpg://bot@db/keplibot", "postgresql+asyncpg://bot@db/keplibot"),
    ],
)
def test_database_urls_get_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, used: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_settings().database_url == used


def test_running_without_a_token_names_telegram_token() -> None:
    with pytest.raises(SettingsError, match=r"^TELEGRAM_TOKEN: missing"):
        load_settings().require_token()


def test_a_blank_token_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", "   ")
    with pytest.raises(SettingsError, match=r"^TELEGRAM_TOKEN"):
        load_settings().require_token()


def test_the_token_is_given_to_whoever_asks_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", "123456:ABC-def")
    assert load_settings().require_token() == "123456:ABC-def"


def test_secrets_never_appear_in_repr_or_str(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {"TELEGRAM_TOKEN", "WEBHOOK_SECRET"} <= set(SECRET_SETTINGS)
    markers = {name: f"leak{index}-{name.lower()}" for index, name in enumerate(SECRET_SETTINGS)}
    for name, marker in markers.items():
        monkeypatch.setenv(name, marker)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot:dbleak-pw@db:5432/keplibot")
    settings = load_settings()

    shown = repr(settings) + str(settings)
    for marker in [*markers.values(), "dbleak-pw"]:
        assert marker not in shown
    assert "postgresql+asyncpg://bot:***@db:5432/keplibot" in shown
    # ... and the program still has them.
    assert settings.require_token() == markers["TELEGRAM_TOKEN"]
    assert "dbleak-pw" in settings.database_url


def test_a_bad_setting_does_not_echo_a_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_for(monkeypatch, "DATABASE_URL", "mysql://bot:dbleak-pw@db/keplibot")
    assert "dbleak-pw" not in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+asyncpg://bot:s3cr%40t@db:5432/k", "postgresql+asyncpg://bot:***@db:5432/k"),
        ("postgresql+asyncpg://bot@db/k", "postgresql+asyncpg://bot@db/k"),
        (
            "sqlite+aiosqlite:///srv/bot@home/k.sqlite3",
            "sqlite+aiosqlite:///srv/bot@home/k.sqlite3",
        ),
    ],
)
def test_hide_password(url: str, shown: str) -> None:
    assert hide_password(url) == shown


def test_dotenv_is_read_and_the_environment_wins(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_environment / ".env").write_text("ADMIN_IDS=5,6\nLISTEN_PORT=9000\n", encoding="utf-8")
    monkeypatch.setenv("LISTEN_PORT", "9001")
    settings = load_settings()
    assert (settings.admin_ids, settings.listen_port) == ([5, 6], 9001)


def test_env_example_copied_to_dotenv_starts(clean_environment: Path) -> None:
    """The documented first step (`cp .env.example .env`) must not stop the program."""
    (clean_environment / ".env").write_text(
        (REPO / ".env.example").read_text(encoding="utf-8"), encoding="utf-8"
    )
    settings = load_settings()
    assert settings.telegram_token is None  # empty means "not set"
    assert settings.default_locale == "el"


def test_env_example_lists_every_setting() -> None:
    listed = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (REPO / ".env.example").read_text(), re.MULTILINE)
    )
    assert sorted(set(SETTING_NAMES) - listed) == []


def uncommented_settings(text: str) -> list[str]:
    """Settings of an env file with no comment above them in their block of lines.

    A block is a run of non-blank lines; a commented-out example (`# NAME=value`) is
    not a comment about the setting.
    """
    missing = []
    commented = False
    for line in text.splitlines():
        setting = re.match(r"([A-Z][A-Z0-9_]*)=", line)
        if not line.strip():
            commented = False
        elif setting:
            if not commented:
                missing.append(setting[1])
        elif line.startswith("#") and not re.match(r"#\s*[A-Z][A-Z0-9_]*=", line):
            commented = True
    return missing


def test_every_setting_of_env_example_has_a_comment() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    assert uncommented_settings(text) == []


def test_the_comment_check_sees_a_bare_setting() -> None:
    text = "# The port.\nLISTEN_PORT=1\nLISTEN_HOST=x\n\nLOG_LEVEL=INFO\n# NEW=example\nNEW=1\n"
    assert uncommented_settings(text) == ["LOG_LEVEL", "NEW"]


def test_keplibot_stops_with_status_78_and_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LISTEN_PORT", "eighty")
    assert main(["db", "current"]) == 78
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("keplibot: configuration error: LISTEN_PORT: ")


def test_the_installed_keplibot_reports_a_bad_setting(clean_environment: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name.upper() not in SETTING_NAMES}
    env["TIMEZONE"] = "Mars/Olympus_Mons"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("keplibot")), "db", "current"],
        cwd=clean_environment,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 78
    assert done.stderr.splitlines() == [
        "keplibot: configuration error: TIMEZONE: "
        "Value error, unknown time zone 'Mars/Olympus_Mons'"
    ]
