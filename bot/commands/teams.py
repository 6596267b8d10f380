"""`keplibot teams manifest`: the Microsoft Teams app package, to upload to a tenant.

    keplibot teams manifest [-o keplibot-teams.zip] [--website URL] [--privacy-url URL]
                            [--terms-url URL] [--app-version 1.0.0]
                            [--color-icon PNG] [--outline-icon PNG]

The bot id is TEAMS_APP_ID; the addresses default to PUBLIC_BASE_URL (https). Exit
status 0 when written, 78 for a missing or malformed setting, 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import SettingsError, load_settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "teams",
        help="Microsoft Teams: write the app package (manifest zip)",
        description="Microsoft Teams: the app package to upload to a tenant.",
    )
    sub = parser.add_subparsers(dest="teams_command", metavar="SUBCOMMAND", required=True)
    manifest = sub.add_parser("manifest", help="write the Teams app package (a zip)")
    manifest.add_argument("-o", "--output", default="keplibot-teams.zip", help="the zip to write")
    manifest.add_argument("--website", help="the app's web page (default: PUBLIC_BASE_URL)")
    manifest.add_argument("--privacy-url", help="the privacy statement (default: the website)")
    manifest.add_argument("--terms-url", help="the terms of use (default: the website)")
    manifest.add_argument("--developer", default="keplibot", help="who publishes the app")
    manifest.add_argument("--app-version", default="1.0.0", help="the package's version")
    manifest.add_argument("--color-icon", type=Path, help="a 192×192 PNG (default: drawn)")
    manifest.add_argument("--outline-icon", type=Path, help="a 32×32 white PNG (default: drawn)")
    manifest.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from teams.manifest import AppInfo, ManifestError, package

    settings = load_settings()
    if not settings.teams_app_id:
        raise SettingsError("TEAMS_APP_ID: missing (the bot's Entra ID application id)")
    website = args.website or settings.public_base_url or ""
    try:
        info = AppInfo(
            bot_id=settings.teams_app_id.strip(),
            website=website,
            privacy_url=args.privacy_url or website,
            terms_url=args.terms_url or website,
            developer=args.developer,
            version=args.app_version,
            color_icon=args.color_icon.read_bytes() if args.color_icon else None,
            outline_icon=args.outline_icon.read_bytes() if args.outline_icon else None,
        )
        data = package(info, settings.default_locale)
    except ManifestError as exc:
        print(f"keplibot: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"keplibot: cannot read an icon: {exc}", file=sys.stderr)
        return 2
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output}: upload it in Teams (Apps › Manage your apps › Upload an app)")
    return 0
