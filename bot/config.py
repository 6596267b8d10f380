"""Settings, read once from the environment and `.env`.

This is the only module that reads the environment. Secrets are held as
`SecretStr`, so they never show up in a repr, a log line or a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """A missing or malformed setting; the message is one line naming it."""


_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def hide_password(url: str) -> str:
    """`url` with the password of its user:password@ part replaced by ***."""
    return re.sub(r"(://[^/@:]*:)[^/]*@", r"\1***@", url)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # `.env.example` lists optional settings with empty values: empty means "not set".
        env_ignore_empty=True,
    )

    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_base_file_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///keplibot.sqlite3"
    default_locale: Literal["el", "en"] = "el"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_chat_id: int | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(default=8443, ge=1, le=65535)
    timezone: str = "Europe/Athens"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    # --- helpdesk: the default support centre (single-centre deployments) ---
    centre_name: str = "ΚΕ.ΠΛΗ.ΝΕ.Τ."
    centre_phone: str | None = None
    centre_email: str | None = None
    # Directorates the default centre serves, separated by ";" (names contain commas).
    centre_directorates: Annotated[list[str], NoDecode] = Field(default_factory=list)
    staff_chat_id: int | None = None
    staff_thread_id: int | None = None  # forum topic of the staff chat
    helpdesk_email: str | None = None  # e-mail-fed helpdesk mailbox: copy of every new ticket
    # --- helpdesk: tickets ---
    ticket_prefix: str = Field(default="KPL", pattern=r"^[A-Z]{2,8}$")
    ticket_reopen_days: int = Field(default=14, ge=0)
    tickets_per_hour: int = Field(default=5, ge=1)
    ticket_duplicate_days: int = Field(default=7, ge=0)
    ticket_description_max: int = Field(default=2000, ge=100, le=3500)
    staff_invite_days: int = Field(default=7, ge=1)
    helpdesk_summary_weekday: int = Field(default=0, ge=0, le=6)  # 0 = Monday
    helpdesk_summary_hour: int = Field(default=8, ge=0, le=23)  # local time (TIMEZONE)
    # --- helpdesk: the outbox (every message the helpdesk sends) ---
    outbox_poll_seconds: float = Field(default=5.0, gt=0, le=3600)  # how often retries are due
    outbox_max_attempts: int = Field(default=8, ge=1, le=50)  # then the administrators are told
    # --- helpdesk: optional SMTP for the e-mail copy ---
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True

    # --- reminders ---
    # Local-time window (TIMEZONE) without reminders; "off" for none.
    quiet_hours: str = "21:00-08:00"
    # Default reminder times before a deadline: Nd (days), Nh (hours), morning (of the day).
    reminder_offsets: str = "7d,1d,morning"
    reminder_morning: time = time(8, 0)  # local time of the "morning of" reminder
    reminder_poll_seconds: int = Field(default=30, ge=1, le=3600)  # how often due ones are sent
    # Broadcast pace (messages/s), kept a little under Telegram's ~30/s so no 429 comes back.
    broadcast_rate: float = Field(default=29.0, gt=0, le=30)
    broadcast_concurrency: int = Field(default=64, ge=1, le=1000)  # sends in flight at once
    # Public https base of the aiohttp server, for calendar feed links.
    public_base_url: str | None = None

    # --- privacy and operations ---
    # Who is responsible for the data (controller) and how to reach them, shown by /privacy.
    privacy_controller: str | None = None
    privacy_contact: str | None = None
    # Personal data of tickets closed longer ago than this is anonymised.
    ticket_retention_days: int = Field(default=730, ge=1)
    # A kept points declaration of a teacher not seen for this long is deleted.
    declaration_retention_days: int = Field(default=365, ge=1)
    retention_hour: int = Field(default=3, ge=0, le=23)  # local time (TIMEZONE) of the daily job
    # `keplibot run` (polling) serves /metrics and /healthz even without PUBLIC_BASE_URL.
    serve_metrics: bool = False

    # --- Microsoft Teams (the `teams` adapter; off unless TEAMS_APP_ID is set) ---
    # The bot's Entra ID app registration (Azure Bot): its application (client) id, a client
    # secret and, for a single-tenant bot, the tenant id.
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_tenant_id: str | None = None
    # Instead of the secret: a certificate of TEAMS_APP_ID (a PEM file with its private key
    # and the certificate itself), as Entra ID's certificate credentials.
    teams_certificate_file: str | None = None
    # Where the Bot Connector's signing keys are published (OpenID metadata) and who signs:
    # Microsoft's by default; tests point them at a local stand-in.
    teams_openid_metadata: str = (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    teams_token_issuer: str = "https://api.botframework.com"
    # Where the bot gets its own token to call the Bot Connector (default: Entra ID's, of
    # TEAMS_TENANT_ID, else botframework.com).
    teams_token_url: str | None = None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("centre_directorates", mode="before")
    @classmethod
    def _split_directorates(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(";") if part.strip()]
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        value = value.strip()
        m = re.fullmatch(r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})", value)
        if value.lower() in ("", "off") or (
            m and int(m[1]) < 24 and int(m[3]) < 24 and int(m[2]) < 60 and int(m[4]) < 60
        ):
            return value
        raise ValueError("use HH:MM-HH:MM in local time, e.g. 21:00-08:00, or off")

    @field_validator("reminder_offsets")
    @classmethod
    def _reminder_offsets(cls, value: str) -> str:
        parts = [p.strip().lower() for p in value.split(",")]
        if all(p == "morning" or re.fullmatch(r"[1-9]\d{0,2}[dh]", p) for p in parts):
            return ",".join(parts)
        raise ValueError("use days (7d), hours (2h) or morning, comma-separated: 7d,1d,morning")

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.strip()):
            raise ValueError("use an http(s) URL, e.g. https://bot.example.gr")
        return value.strip().rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _async_database_url(cls, value: str) -> str:
        # Plain postgresql:// and sqlite:// URLs (as hosting panels print them) get the
        # async driver; the message never repeats the URL, which may hold a password.
        scheme, separator, rest = value.strip().partition("://")
        driver = _ASYNC_DRIVERS.get(scheme.lower())
        if not separator or driver is None:
            raise ValueError(
                "use sqlite+aiosqlite:///path/to/file.sqlite3 or "
                "postgresql+asyncpg://user:password@host:5432/database"
            )
        return f"{driver}://{rest}"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # SecretStr fields hide themselves; a database URL's password is hidden here.
        for name, value in super().__repr_args__():
            if name == "database_url" and isinstance(value, str):
                value = hide_password(value)
            yield name, value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_token(self) -> str:
        """The bot token, or a SettingsError naming TELEGRAM_TOKEN."""
        if self.telegram_token is None or not self.telegram_token.get_secret_value().strip():
            raise SettingsError("TELEGRAM_TOKEN: missing (set it in the environment or .env)")
        return self.telegram_token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError with one line naming the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        # The setting, not the list item: ADMIN_IDS, not ADMIN_IDS.2.
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
