"""The Teams app package: `manifest.json` (schema 1.17) in DEFAULT_LOCALE, the other
language's localisation file (en.json, or el.json) and two icons, zipped, ready to
upload to a tenant (Teams admin centre, or "Upload a custom app").

The bot is TEAMS_APP_ID, in the personal scope only, with a command list in Greek and
English: the commands the Teams adapter answers (`teams.bot`). The icons are drawn here
(a 192×192 colour icon and a 32×32 white-on-transparent outline, as Teams asks) unless
files are given; a given icon must be a PNG of that size.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from bot.i18n import N_, Translator, get_translator

SCHEMA_VERSION: Final = "1.17"
SCHEMA: Final = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
LOCALIZATION_SCHEMA: Final = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/"
    "MicrosoftTeams.Localization.schema.json"
)
ACCENT: Final = "#1565C0"
LANGUAGES: Final = ("el", "en")
MAX_DEVELOPER: Final = 32  # developer.name in schema 1.17
PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
GUID: Final = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

# The commands of the Teams list: (title, description), as the adapter answers them.
COMMANDS: Final = (
    ("points", N_("Calculate your points for the school lab manager post")),
    ("mypoints", N_("Your kept points declaration")),
    ("faq", N_("Frequently asked questions: ask me in your own words")),
    ("report", N_("Report a fault in the school lab")),
    ("mytickets", N_("My fault reports and their status")),
    ("reminders", N_("Reminders of the nomination dates")),
    ("language", N_("Speak Greek or English")),
    ("cancel", N_("Stop what you are doing")),
    ("help", N_("What I can do and how to use me")),
)
SHORT_DESCRIPTION: Final = N_("Lab manager points, answers, fault reports and reminders")
FULL_DESCRIPTION: Final = N_(
    "keplibot is the assistant of the ΚΕ.ΠΛΗ.ΝΕ.Τ. for teachers: it calculates the provisional "
    "points for the school lab manager post (Υ.Σ.Ε.Π.Ε.Η.Υ.) under circular 170610/Δ2, with "
    "the breakdown and the documents each criterion needs, answers frequently asked "
    "questions about the support centres and the post, takes fault reports of the school "
    "lab to your support centre and reminds you of the selection's dates, in Greek and "
    "English."
)
FULL_NAME: Final = N_("keplibot: the ΚΕ.ΠΛΗ.ΝΕ.Τ. assistant for teachers")


class ManifestError(ValueError):
    """A value the manifest cannot take (the message names it)."""


@dataclass(frozen=True)
class AppInfo:
    """What the package says about the app and who publishes it."""

    bot_id: str
    website: str
    privacy_url: str
    terms_url: str
    developer: str = "keplibot"
    version: str = "1.0.0"
    color_icon: bytes | None = None
    outline_icon: bytes | None = None

    def check(self) -> None:
        if not GUID.match(self.bot_id):
            raise ManifestError("TEAMS_APP_ID: not an Entra ID application id (a GUID)")
        for name, url in (
            ("--website", self.website),
            ("--privacy-url", self.privacy_url),
            ("--terms-url", self.terms_url),
        ):
            if not url.startswith("https://"):
                raise ManifestError(f"{name}: Teams needs an https:// address")
        if not re.fullmatch(r"\d{1,5}\.\d{1,5}\.\d{1,5}", self.version):
            raise ManifestError("--app-version: use MAJOR.MINOR.PATCH, e.g. 1.0.0")
        if not self.developer.strip() or len(self.developer) > MAX_DEVELOPER:
            raise ManifestError(f"--developer: 1-{MAX_DEVELOPER} characters")
        for name, icon, size in (
            ("--color-icon", self.color_icon, 192),
            ("--outline-icon", self.outline_icon, 32),
        ):
            if icon is not None and png_size(icon) != (size, size):
                raise ManifestError(f"{name}: Teams needs a {size}×{size} PNG")


def _texts(tr: Translator) -> dict[str, str]:
    _ = tr.gettext
    return {
        "name.short": "keplibot",
        "name.full": _(FULL_NAME),
        "description.short": _(SHORT_DESCRIPTION),
        "description.full": _(FULL_DESCRIPTION),
    }


def manifest(info: AppInfo, tr: Translator) -> dict[str, Any]:
    """manifest.json, in the language of `tr` (the default language)."""
    texts = _texts(tr)
    return {
        "$schema": SCHEMA,
        "manifestVersion": SCHEMA_VERSION,
        "version": info.version,
        "id": info.bot_id,
        "developer": {
            "name": info.developer,
            "websiteUrl": info.website,
            "privacyUrl": info.privacy_url,
            "termsOfUseUrl": info.terms_url,
        },
        "name": {"short": texts["name.short"], "full": texts["name.full"]},
        "description": {"short": texts["description.short"], "full": texts["description.full"]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": info.bot_id,
                "scopes": ["personal"],
                "supportsFiles": True,  # a JSON declaration sent to score
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [
                            {"title": title, "description": tr.gettext(text)}
                            for title, text in COMMANDS
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": sorted({urlsplit(info.website).hostname or ""} - {""}),
        "localizationInfo": {
            "defaultLanguageTag": tr.locale,
            "additionalLanguages": [
                {"languageTag": other, "file": f"{other}.json"} for other in others(tr.locale)
            ],
        },
    }


def others(default: str) -> list[str]:
    """The package's languages besides the default one (el and en, one of them default)."""
    return [locale for locale in LANGUAGES if locale != default]


def localization(tr: Translator) -> dict[str, Any]:
    """<locale>.json: the manifest's texts and commands in the language of `tr`."""
    out: dict[str, Any] = {"$schema": LOCALIZATION_SCHEMA, **_texts(tr)}
    for number, (title, text) in enumerate(COMMANDS):
        out[f"bots[0].commandLists[0].commands[{number}].title"] = title
        out[f"bots[0].commandLists[0].commands[{number}].description"] = tr.gettext(text)
    return out


# --- icons --------------------------------------------------------------------------------

Pixel = Callable[[int, int], tuple[int, int, int, int]]


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG (its IHDR chunk); None for anything else."""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png(size: int, pixel: Pixel) -> bytes:
    """An RGBA PNG of `size`×`size` pixels."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _monitor(size: int, x: int, y: int) -> bool:
    """A lab computer's screen and stand, in a `size` square."""
    u, v = x / size, y / size
    screen = 0.18 <= u <= 0.82 and 0.2 <= v <= 0.62 and not (0.25 < u < 0.75 and 0.27 < v < 0.55)
    stand = 0.45 <= u <= 0.55 and 0.62 <= v <= 0.74
    base = 0.32 <= u <= 0.68 and 0.74 <= v <= 0.8
    return screen or stand or base


def color_icon() -> bytes:
    blue = (0x15, 0x65, 0xC0, 255)
    return png(192, lambda x, y: (255, 255, 255, 255) if _monitor(192, x, y) else blue)


def outline_icon() -> bytes:
    return png(32, lambda x, y: (255, 255, 255, 255) if _monitor(32, x, y) else (0, 0, 0, 0))


def package(info: AppInfo, default_locale: str = "el") -> bytes:
    """The app package (a zip): manifest.json in the default language, the other
    language's file (en.json, or el.json when the default is English), color.png,
    outline.png."""
    info.check()
    tr = get_translator(default_locale)
    files = {"manifest.json": json.dumps(manifest(info, tr), ensure_ascii=False, indent=2)}
    for other in others(tr.locale):
        texts = localization(get_translator(other))
        files[f"{other}.json"] = json.dumps(texts, ensure_ascii=False, indent=2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode())
        archive.writestr("color.png", info.color_icon or color_icon())
        archive.writestr("outline.png", info.outline_icon or outline_icon())
    return buffer.getvalue()
