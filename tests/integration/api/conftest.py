"""The mentions API through its real handler, API Gateway 2.0 events and a moto table built from the template."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from mentionwatch.store.dynamodb import MentionStore
from tests.api_support import ALL_TEAMS_CLAIMS, check_against_openapi, invoke
from tests.support import EVENTS, load_handler


@pytest.fixture
def store(table: str) -> MentionStore:
    return MentionStore(boto3.client("dynamodb"), table)


@pytest.fixture
def handler(table: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MENTIONWATCH_TABLE", table)
    monkeypatch.setenv("MENTIONWATCH_SECRETS_FILE", str(EVENTS / "dev-secrets.json"))
    monkeypatch.delenv("MENTIONWATCH_CURSOR_SECRET_ID", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "MentionwatchTest")
    return load_handler("api")


@pytest.fixture
def openapi(handler: Any, lambda_context: Any) -> dict[str, Any]:
    """The document the handler itself serves."""
    response = invoke(handler, lambda_context, "GET", "/openapi.json")
    assert response.status == 200
    return response.body


@pytest.fixture
def call(handler: Any, lambda_context: Any, openapi: dict[str, Any]):
    """`call(method, path, query=…, body=…, claims=…)`; claims default to an all-teams agent.

    Every response is checked against the OpenAPI document: its status must be declared and its body match.
    """

    def _call(method: str, path: str, **kwargs: Any):
        kwargs.setdefault("claims", ALL_TEAMS_CLAIMS)
        response = invoke(handler, lambda_context, method, path, **kwargs)
        check_against_openapi(openapi, method, path, response.status, response.body)
        return response

    return _call


@pytest.fixture
def anonymous(handler: Any, lambda_context: Any, openapi: dict[str, Any]):
    """A request with no verified claims (what reaches the function if the authorizer were missing)."""

    def _call(method: str, path: str, **kwargs: Any):
        response = invoke(handler, lambda_context, method, path, claims=None, **kwargs)
        check_against_openapi(openapi, method, path, response.status, response.body)
        return response

    return _call
