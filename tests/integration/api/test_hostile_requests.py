"""Issue 13: every unexpected client input to the API is a 400/415 naming the field, and a dependency that does
not answer (a botocore timeout, not only a `ClientError`) is a 503 with Retry-After."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from mentionwatch import aws
from tests.api_support import ALL_TEAMS_CLAIMS, api_event, item


def patch_event(body: bytes, content_type: str | None = "application/json") -> dict[str, Any]:
    event = api_event("PATCH", "/mentions/x:1", raw_body="{}", claims=ALL_TEAMS_CLAIMS)
    event["headers"] = {"content-type": content_type} if content_type else {}
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    return event


def answer(handler: Any, context: Any, event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = handler.lambda_handler(event, context)
    headers = {key.lower(): value for key, value in (response.get("headers") or {}).items()}
    return response["statusCode"], json.loads(response["body"]), headers


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        (b'{"action": "acknowledge"}', "multipart/form-data", 415, "content-type"),
        (b'{"action": "acknowledge"}', "text/plain", 415, "content-type"),
        (b"[" * 10_000 + b"]" * 10_000, "application/json", 400, "body"),
        (b'{"version": 1' + b"0" * 5000 + b"}", "application/json", 400, "version"),
        (b'{"action": "\xff\xfe"}', "application/json", 400, "body"),
        (b'{"action": NaN}', "application/json", 400, "body"),
    ],
    ids=["multipart-no-boundary", "text", "deep", "huge-number", "invalid-utf8", "nan"],
)
def test_unexpected_bodies_are_client_errors(
    handler: Any, lambda_context: Any, store: Any, body: bytes, content_type: str, status: int, field: str
) -> None:
    store.put_new(item("1"))

    code, problem, _ = answer(handler, lambda_context, patch_event(body, content_type))

    assert (code, problem["error"]["field"]) == (status, field)


def test_a_lone_surrogate_in_a_patch_is_not_a_server_error(handler: Any, lambda_context: Any, store: Any) -> None:
    store.put_new(item("1"))
    body = b'{"action": "assign", "assignee": "amy\\ud83d", "version": 1}'

    code, _, _ = answer(handler, lambda_context, patch_event(body))

    assert code < 500


@pytest.mark.parametrize(
    "failure",
    [ReadTimeoutError(endpoint_url="http://dynamodb"), EndpointConnectionError(endpoint_url="http://dynamodb")],
)
@pytest.mark.parametrize("path", ["/stats", "/mentions", "/mentions/x:1"])
def test_a_dynamodb_timeout_is_a_503_with_retry_after(
    handler: Any, lambda_context: Any, store: Any, failure: Exception, path: str
) -> None:
    store.put_new(item("1"))
    handler._api()  # build the API's clients first, then make DynamoDB stop answering

    def no_answer(**_: Any) -> None:
        raise failure

    events = aws.client("dynamodb").meta.events
    events.register_first("before-send.dynamodb.*", no_answer, unique_id="issue13-timeout")
    try:
        code, problem, headers = answer(handler, lambda_context, api_event("GET", path, claims=ALL_TEAMS_CLAIMS))
    finally:
        events.unregister("before-send.dynamodb.*", unique_id="issue13-timeout")

    assert code == 503
    assert problem["error"]["code"] == "dependency_unavailable"
    assert int(headers["retry-after"]) > 0


def test_the_document_declares_the_503_and_415_the_api_answers(openapi: dict[str, Any]) -> None:
    """Schemathesis' status-code check holds the API to its document: every operation reads DynamoDB (a timeout
    is a 503 with Retry-After), and every operation with a body refuses one that is not JSON with a 415."""
    operations = [
        (method, path, operation) for path, item in openapi["paths"].items() for method, operation in item.items()
    ]
    unavailable = {f"{method} {path}" for method, path, operation in operations if "503" not in operation["responses"]}
    without_retry_after = {
        f"{method} {path}"
        for method, path, operation in operations
        if "Retry-After" not in operation["responses"].get("503", {}).get("headers", {})
    }
    not_json = {
        f"{method} {path}"
        for method, path, operation in operations
        if "requestBody" in operation and "415" not in operation["responses"]
    }
    problem = openapi["paths"]["/stats"]["get"]["responses"]["503"]["content"]["application/json"]["schema"]

    assert (unavailable, without_retry_after, not_json) == (set(), set(), set())
    assert problem == {"$ref": "#/components/schemas/Problem"}
