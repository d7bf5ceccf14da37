"""The mentions API over HTTP on the local stack (`make serve`): bearer token, a real delivery, the workflow.

Every answer is checked against the OpenAPI document the stack serves.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from mentionwatch.local.stack import LocalStack
from tests.api_support import check_against_openapi
from tests.e2e.conftest import E2E_TOKEN
from tests.support import standard_webhook_headers

pytestmark = pytest.mark.e2e
TOKEN = E2E_TOKEN


def request(
    stack: LocalStack,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = TOKEN,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    sent = {"content-type": "application/json"} | (headers or {})
    if token:
        sent["authorization"] = f"Bearer {token}"
    call = urllib.request.Request(stack.url + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310 - loopback URL of the stack
            status, received, payload = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        status, received, payload = err.code, dict(err.headers), err.read()
    received = {key.lower(): value for key, value in received.items()}
    is_json = received.get("content-type", "").startswith("application/json")
    return status, received, json.loads(payload) if is_json and payload else payload.decode()


@pytest.fixture(scope="module")
def openapi(stack: LocalStack) -> dict[str, Any]:
    status, _, document = request(stack, "GET", "/openapi.json", token=None)
    assert status == 200
    return document


@pytest.fixture
def api(stack: LocalStack, openapi: dict[str, Any]):
    def _call(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        status, _, body = request(stack, method, path, **kwargs)
        check_against_openapi(openapi, method, path.split("?")[0], status, body)
        return status, body

    return _call


def test_mention_routes_refuse_a_missing_or_wrong_token(stack):
    for token in (None, "wrong"):
        status, headers, body = request(stack, "GET", "/mentions", token=token)
        assert status == 401
        assert body["error"]["field"] == "authorization"
        assert headers["www-authenticate"].startswith("Bearer")


def test_the_openapi_document_and_docs_page_need_no_token(stack, openapi):
    status, headers, page = request(stack, "GET", "/docs", token=None)

    assert status == 200 and headers["content-type"].startswith("text/html")
    assert openapi["info"]["title"] == "mentionwatch mentions API"


def test_a_delivered_mention_is_found_acknowledged_and_counted(stack, api):
    # Given a signed delivery through the public webhook route (no bearer token: it carries its own proof)
    body = json.dumps(
        {
            "type": "mention.created",
            "data": {
                "id": "e2e-1",
                "text": "Lost my bag again, nobody at the desk can help. Terrible.",
                "created_at": "2026-11-23T09:00:00Z",
                "author": {"handle": "rita"},
                "brand": "acme",
            },
        }
    ).encode()
    status, _, _ = request(
        stack, "POST", "/webhooks/standard", raw=body, token=None, headers=standard_webhook_headers(body)
    )
    assert status == 202
    stack.drain()

    # When an agent finds it in the queue, opens it and acknowledges it
    status, page = api("GET", "/mentions?status=new&brand=acme&since=2026-11-01T00:00:00Z")
    assert status == 200
    assert [row["id"] for row in page["items"]] == ["webhook:e2e-1"]
    status, detail = api("GET", "/mentions/webhook:e2e-1")
    assert status == 200 and detail["triage"]["reasons"] is not None
    status, changed = api("PATCH", "/mentions/webhook:e2e-1", body={"action": "acknowledge", "version": 1})

    # Then the change is recorded with the local caller, a stale retry conflicts, and stats count it
    assert status == 200 and changed["acknowledged_by"] == "local-developer"
    status, conflict = api("PATCH", "/mentions/webhook:e2e-1", body={"action": "acknowledge", "version": 1})
    assert status == 409 and conflict["error"]["field"] == "version"
    status, report = api("GET", "/stats?since=2026-11-22T00:00:00Z&until=2026-11-24T00:00:00Z&interval=hour")
    assert status == 200 and report["total"] == 1 and report["acknowledge_minutes"]["count"] == 1
    assert stack.errors == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/mentions?limit=1000", "limit"),
        ("/mentions?cursor=forged.cursor", "cursor"),
        ("/mentions?team_id=care", "team_id"),
        ("/mentions/not-an-id", "id"),
        ("/stats?interval=fortnight", "interval"),
    ],
)
def test_bad_input_over_http_is_a_400_naming_the_field(api, path, field):
    status, body = api("GET", path)

    assert status == 400 and body["error"]["field"] == field
