"""Turns an API Gateway HTTP API (payload format 2.0) event into the domain's `InboundRequest`."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from mentionwatch.exceptions import BadRequest
from mentionwatch.sources.base import InboundRequest


def raw_body(event: dict[str, Any]) -> bytes:
    """The body exactly as the client sent it: signatures are computed over these bytes, never re-serialised."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("body is marked base64 but is not valid base64", field="body") from None
    return body.encode("utf-8")


def inbound_request(event: dict[str, Any], received_at: datetime) -> InboundRequest:
    http = event.get("requestContext", {}).get("http", {})
    return InboundRequest(
        source=(event.get("pathParameters") or {}).get("source", ""),
        method=str(http.get("method", "")).upper(),
        headers={name.lower(): value for name, value in (event.get("headers") or {}).items()},
        query=event.get("queryStringParameters") or {},
        body=raw_body(event),
        received_at=received_at,
    )
