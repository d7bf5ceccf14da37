"""Serving the console under /console from the API function (same origin as the API: no CORS).

Only the static shell and its bundles are served here, without a token: they hold no data (they are the same
bytes for everyone, built from console/src). Every piece of data the console shows comes from the API routes,
which need the bearer token. The build (`make console`: `npm ci && npm run build` in console/) writes the files
into `static/`; the layer build copies them into the Lambda package.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, NamedTuple
from urllib.parse import urlsplit

from pydantic import Field

from mentionwatch.exceptions import ConfigurationError, NotFound
from mentionwatch.settings import _Settings

STATIC = Path(__file__).parent / "static"
SHELL = "index.html"
# Bundles are named <entry>-<content hash>.<ext> by the build: safe to cache for good.
_BUNDLE = re.compile(r"^[A-Za-z0-9_-]{1,64}-[A-Z0-9]{8}\.(js|css)$")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
CONFIG = "config.json"


class SignIn(StrEnum):
    LOCAL = "local"  # make serve: the MENTIONWATCH_LOCAL_TOKEN
    OIDC = "oidc"  # deployed: authorization code with PKCE (Cognito hosted UI or the external issuer)
    NONE = "none"  # deployed without a sign-in page configured (README: Console, sign-in)


class ConsoleSettings(_Settings):
    sign_in: Annotated[SignIn, Field(alias="MENTIONWATCH_CONSOLE_SIGN_IN")] = SignIn.NONE
    authorize_url: Annotated[str | None, Field(alias="MENTIONWATCH_CONSOLE_AUTHORIZE_URL")] = None
    token_url: Annotated[str | None, Field(alias="MENTIONWATCH_CONSOLE_TOKEN_URL")] = None
    client_id: Annotated[str | None, Field(alias="MENTIONWATCH_CONSOLE_CLIENT_ID")] = None
    redirect_uri: Annotated[str | None, Field(alias="MENTIONWATCH_CONSOLE_REDIRECT_URI")] = None
    scope: Annotated[str, Field(alias="MENTIONWATCH_CONSOLE_SCOPE")] = "openid email profile"
    provider: Annotated[str, Field(alias="MENTIONWATCH_CONSOLE_PROVIDER")] = "your identity provider"
    # Which token the console sends: Cognito ID tokens carry the audience and the team attribute.
    token_use: Annotated[str, Field(alias="MENTIONWATCH_CONSOLE_TOKEN_USE", pattern="^(id|access)$")] = "id"  # noqa: S105


class Asset(NamedTuple):
    body: str
    content_type: str
    headers: dict[str, str]


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("https", "http") and parts.netloc else None


def security_headers(settings: ConsoleSettings) -> dict[str, str]:
    """A strict Content-Security-Policy: scripts, styles and data from this origin only (no inline code, no
    CDN); the token endpoint is the one other place the page may call (the code exchange)."""
    connect = " ".join(["'self'", *filter(None, [_origin(settings.token_url)])])
    policy = "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


@cache
def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def shell(settings: ConsoleSettings) -> Asset:
    if not (STATIC / SHELL).is_file():
        raise ConfigurationError("the console is not built: run `make console` (npm ci && npm run build)")
    return Asset(
        _read(SHELL),
        "text/html; charset=utf-8",
        {**security_headers(settings), "Cache-Control": "no-cache"},
    )


def config_document(settings: ConsoleSettings) -> dict[str, Any]:
    """What the sign-in page needs to know: public values only (no secret: the client is a public PKCE one)."""
    if settings.sign_in is SignIn.OIDC:
        return {
            "auth": "oidc",
            "authorize_url": settings.authorize_url,
            "token_url": settings.token_url,
            "client_id": settings.client_id,
            "redirect_uri": settings.redirect_uri,
            "scope": settings.scope,
            "provider": settings.provider,
            "token_use": settings.token_use,
        }
    return {"auth": settings.sign_in.value}


def asset(name: str, settings: ConsoleSettings) -> Asset:
    """A bundle by its hashed name, or the sign-in configuration; anything else is 404 (no path is ever built
    from the request beyond a name the pattern allows)."""
    if name == CONFIG:
        return Asset(
            json.dumps(config_document(settings)),
            "application/json",
            {**security_headers(settings), "Cache-Control": "no-cache"},
        )
    if name == SHELL:
        return shell(settings)
    if not _BUNDLE.match(name) or not (STATIC / name).is_file():
        raise NotFound(f"no console file {name!r}", field="name")
    return Asset(
        _read(name),
        _TYPES[Path(name).suffix],
        {**security_headers(settings), "Cache-Control": "public, max-age=31536000, immutable"},
    )
