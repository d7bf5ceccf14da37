"""Turns an API Gateway HTTP API (payload format 2.0) event into the domain's `InboundRequest`."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from mentionwatch.exceptions import BadRequest, UnsupportedMediaType
from mentionwatch.sources.base import InboundRequest
from mentionwatch.sources.payloads import load_json

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def raw_body(event: dict[str, Any]) -> bytes:
    """The body exactly as the client sent it: signatures are computed over these bytes, never re-serialised."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("body is marked base64 but is not valid base64", field="body") from None
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the event carried bytes that were never valid UTF-8
        raise BadRequest("body is not valid UTF-8", field="body") from None


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


def screen_json_body(event: dict[str, Any]) -> dict[str, Any]:
    """The API's JSON bodies, checked before Powertools' validation middleware sees them (it raises plain
    ValueError/RecursionError on some inputs): a body that is not JSON is a 415 naming `content-type`; invalid
    UTF-8, nesting too deep or an integer too long is a 400 naming the field. Returns the event with the body
    re-encoded from the checked document (lone surrogates replaced), so what the routes read is what was checked.
    """
    method = str(event.get("requestContext", {}).get("http", {}).get("method", "")).upper()
    if method not in BODY_METHODS or not event.get("body"):
        return event
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    media_type = str(headers.get("content-type", "application/json")).split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise UnsupportedMediaType(
            f"content-type {media_type or '(empty)'} is not application/json", field="content-type"
        )
    document = load_json(raw_body(event))
    return {**event, "body": json.dumps(document, ensure_ascii=False), "isBase64Encoded": False}
