"""Tokens: the Bot Connector's on each incoming request, and the bot's own for its calls.

Incoming (Bot Framework's rules for a bot's messaging endpoint): `Authorization: Bearer
<JWT>` signed RS256 by a key of the OpenID metadata's `jwks_uri`, issued by
TEAMS_TOKEN_ISSUER (`https://api.botframework.com`), for the audience TEAMS_APP_ID,
within its validity (5 minutes of leeway), and whose `serviceurl` claim is the
activity's `serviceUrl` (so a token cannot send the bot to another connector). Anything
else is refused before the activity is read. The metadata location is a setting,
Microsoft's by default; the tests point it at the local stand-in (`teams.standin`) and
sign with its key, so the same checks run.

(The Agents SDK's own `JwtTokenValidator` always fetches Microsoft's key set: it cannot
be pointed at a local issuer, hence this small validator on PyJWT, which the SDK uses.)

Outgoing: the client-credentials grant of the bot's Entra ID app (TEAMS_APP_ID, with
TEAMS_APP_PASSWORD, or a certificate: TEAMS_CERTIFICATE_FILE signs a client assertion)
for the scope `https://api.botframework.com/.default`, kept until shortly before it
expires.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
import time
from pathlib import Path
from typing import Any, Final

import aiohttp
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWKSet

from bot.config import Settings, SettingsError

log = logging.getLogger(__name__)

LEEWAY: Final = 300.0  # seconds of clock skew accepted, as the Bot Framework SDKs do
KEYS_FOR: Final = 24 * 3600.0  # the key set is fetched again after a day
REFETCH_AFTER: Final = 300.0  # an unknown key id fetches the set again, at most this often
SCOPE: Final = "https://api.botframework.com/.default"
TOKEN_MARGIN: Final = 300.0  # a token is renewed this long before it expires
HTTP_TIMEOUT: Final = aiohttp.ClientTimeout(total=15)
ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class Unauthorized(Exception):
    """A request without a valid Bot Connector token (the reason is for the log only)."""


def require_teams(settings: Settings) -> tuple[str, str]:
    """TEAMS_APP_ID and TEAMS_APP_PASSWORD ("" when TEAMS_CERTIFICATE_FILE is used instead),
    or a SettingsError naming what is missing."""
    app_id = (settings.teams_app_id or "").strip()
    if not app_id:
        raise SettingsError("TEAMS_APP_ID: missing (the bot's Entra ID application id)")
    password = (
        settings.teams_app_password.get_secret_value() if settings.teams_app_password else ""
    )
    if not password and not settings.teams_certificate_file:
        raise SettingsError(
            "TEAMS_APP_PASSWORD: missing (a client secret of TEAMS_APP_ID, or set "
            "TEAMS_CERTIFICATE_FILE)"
        )
    return app_id, password


class Certificate:
    """A certificate credential of the app: signs the client assertion Entra ID asks for
    instead of a secret (RS256, with the certificate's SHA-1 thumbprint as `x5t`)."""

    def __init__(self, key: Any, thumbprint: str) -> None:
        self.key = key
        self.thumbprint = thumbprint

    @classmethod
    def load(cls, path: str) -> Certificate:
        """From a PEM file holding the private key and the certificate (SettingsError)."""
        try:
            pem = Path(path).read_bytes()
            key = serialization.load_pem_private_key(pem, password=None)
            certificate = x509.load_pem_x509_certificate(pem)
        except (OSError, ValueError, TypeError) as exc:
            raise SettingsError(
                f"TEAMS_CERTIFICATE_FILE: not a PEM file with a private key and a certificate "
                f"({type(exc).__name__})"
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SettingsError("TEAMS_CERTIFICATE_FILE: the private key is not an RSA key")
        digest = certificate.fingerprint(hashes.SHA1())  # x5t is SHA-1 by definition
        return cls(key, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())

    def assertion(self, app_id: str, token_url: str) -> str:
        now = int(time.time())
        claims = {
            "aud": token_url,
            "iss": app_id,
            "sub": app_id,
            "jti": secrets.token_urlsafe(16),
            "nbf": now,
            "iat": now,
            "exp": now + 600,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"x5t": self.thumbprint})


class InboundAuth:
    """Checks the Bot Connector's token of an incoming request."""

    def __init__(self, settings: Settings, http: aiohttp.ClientSession) -> None:
        self.app_id, _password = require_teams(settings)
        self.metadata_url = settings.teams_openid_metadata
        self.issuer = settings.teams_token_issuer
        self._http = http
        self._keys: PyJWKSet | None = None
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    async def _key_set(self, *, again: bool = False) -> PyJWKSet:
        async with self._lock:
            now = time.monotonic()
            stale = self._keys is None or now - self._fetched > KEYS_FOR
            if stale or (again and now - self._fetched > REFETCH_AFTER):
                async with self._http.get(self.metadata_url, timeout=HTTP_TIMEOUT) as resp:
                    resp.raise_for_status()
                    metadata = await resp.json(content_type=None)
                async with self._http.get(str(metadata["jwks_uri"]), timeout=HTTP_TIMEOUT) as resp:
                    resp.raise_for_status()
                    self._keys = PyJWKSet.from_dict(await resp.json(content_type=None))
                self._fetched = now
            assert self._keys is not None
            return self._keys

    async def _signing_key(self, kid: str) -> Any:
        for again in (False, True):
            try:
                keys = await self._key_set(again=again)
            except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as exc:
                raise Unauthorized(f"signing keys not available: {type(exc).__name__}") from None
            for key in keys.keys:
                if key.key_id == kid:
                    return key.key
        raise Unauthorized("unknown signing key")

    async def claims(self, authorization: str | None, service_url: str) -> dict[str, Any]:
        """The token's claims, or Unauthorized."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise Unauthorized("no bearer token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("malformed token") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise Unauthorized("not an RS256 token with a key id")
        key = await self._signing_key(header["kid"])
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=self.issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(type(exc).__name__) from None
        if claims.get("serviceurl") != service_url:
            raise Unauthorized("the token was issued for another serviceUrl")
        return claims


class NoToken(aiohttp.ClientError):
    """The token service refused the bot's credentials or failed: a temporary failure of
    the bot (a notice waits), not an answer about the person written to."""


class TokenSource:
    """The bot's own access token for the Bot Connector (client credentials), cached."""

    def __init__(self, settings: Settings, http: aiohttp.ClientSession) -> None:
        self.app_id, self._password = require_teams(settings)
        tenant = (settings.teams_tenant_id or "").strip() or "botframework.com"
        self.url = settings.teams_token_url or (
            f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
        )
        path = settings.teams_certificate_file
        self._certificate = Certificate.load(path) if path and not self._password else None
        self._http = http
        self._token = ""
        self._until = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token and time.monotonic() < self._until:
                return self._token
            form = {"grant_type": "client_credentials", "client_id": self.app_id, "scope": SCOPE}
            if self._certificate is not None:
                form["client_assertion_type"] = ASSERTION_TYPE
                form["client_assertion"] = self._certificate.assertion(self.app_id, self.url)
            else:
                form["client_secret"] = self._password
            async with self._http.post(self.url, data=form, timeout=HTTP_TIMEOUT) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:  # a proxy's HTML page
                    body = None
                if (
                    resp.status != 200
                    or not isinstance(body, dict)
                    or not isinstance(body.get("access_token"), str)
                ):
                    # The bot's own credentials or Entra ID, never the person it writes to.
                    raise NoToken(f"the token service answered {resp.status}")
            self._token = body["access_token"]
            try:
                lifetime = float(body.get("expires_in", 3600))
            except (TypeError, ValueError):
                lifetime = 3600.0
            self._until = time.monotonic() + max(lifetime - TOKEN_MARGIN, 30.0)
            return self._token
