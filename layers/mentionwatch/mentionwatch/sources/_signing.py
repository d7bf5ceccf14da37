"""Signature helpers shared by the platform modules: HMAC over the raw body, compared in constant time.

Never include a secret or a computed signature in an error message: errors only name the header.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from mentionwatch.exceptions import SignatureInvalid, SignatureMissing, UnknownSource
from mentionwatch.sources.base import InboundRequest, SourceSecrets

logger = Logger(child=True)
Digest = Callable[..., Any]  # hashlib.sha256, hashlib.sha1


def not_configured(source: str, detail: str) -> UnknownSource:
    """A source whose secrets are incomplete answers exactly like one that is not configured at all (404): the
    caller is not yet authenticated, so the detail goes to the log only, and a 404 stops a platform's retries."""
    logger.warning("webhook source is misconfigured", extra={"source": source, "detail": detail})
    return UnknownSource(f"source {source!r} is not configured", field="source")


def require_secret(secrets: SourceSecrets, source: str, key: str) -> str:
    value = secrets.get(key)
    if not value:
        raise not_configured(source, f"no {key} in its secrets")  # the key's name, never a value
    return value


def hmac_digest(secret: str, body: bytes, digest: Digest) -> bytes:
    return hmac.new(secret.encode("utf-8"), body, digest).digest()


def check_prefixed_signature(
    request: InboundRequest,
    *,
    header: str,
    prefix: str,
    secret: str,
    digest: Digest,
    encoding: str = "hex",
) -> None:
    """Verify `<prefix><hex or base64 HMAC of the raw body>` in `header`; raise 401 errors otherwise."""
    offered = request.header(header)
    if not offered:
        raise SignatureMissing(f"header {header} is missing", field=header)
    offered = offered.strip()
    if not offered.lower().startswith(prefix):
        raise SignatureInvalid(f"header {header} does not start with {prefix!r}", field=header)
    value = offered[len(prefix) :]
    mac = hmac_digest(secret, request.body, digest)
    if encoding == "hex":
        expected = mac.hex()
        value = value.lower()
    else:
        expected = base64.b64encode(mac).decode("ascii")
    if not hmac.compare_digest(expected.encode("ascii"), value.encode("utf-8", "replace")):
        raise SignatureInvalid(f"header {header} does not match the body", field=header)


def tokens_equal(offered: str | None, expected: str) -> bool:
    return offered is not None and hmac.compare_digest(offered.encode("utf-8"), expected.encode("utf-8"))
