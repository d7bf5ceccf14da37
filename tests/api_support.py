"""Helpers for the mentions API tests: seeded mentions and API Gateway 2.0 events through the real handler."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from mentionwatch.local.stack import LocalStack
from mentionwatch.local.template import HttpRoute
from mentionwatch.models import (
    Author,
    Category,
    Match,
    Mention,
    Reaction,
    Sentiment,
    SentimentResult,
    SentimentScores,
    Severity,
    ThreadRef,
    TriageDecision,
    TriagedMention,
)
from mentionwatch.store.items import MentionItem

BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# The claims API Gateway hands the function. Cognito access tokens carry no custom attributes (no custom:team)
# but do carry `cognito:groups`, which HTTP API flattens to a "[a b]" string; ID tokens carry both.
ACCESS_TOKEN_CLAIMS = {"sub": "user-1", "username": "user-1", "client_id": "client", "token_use": "access"}
ID_TOKEN_CLAIMS = {"sub": "user-1", "email": "agent@example.com", "aud": "client", "token_use": "id"}
# An all-teams agent: explicitly a member of the all-teams group.
ALL_TEAMS_CLAIMS = ID_TOKEN_CLAIMS | {"cognito:groups": "[mentionwatch-all-teams]"}


def triaged(
    native_id: str,
    minutes: int = 0,
    *,
    platform: str = "x",
    brand: str = "acme",
    sentiment: Sentiment = Sentiment.NEGATIVE,
    reaction: Reaction = Reaction.RESPOND,
    severity: Severity = Severity.MEDIUM,
    team: str = "social",
    sla_minutes: int | None = None,
    root_id: str | None = None,
    text: str = "My order never arrived",
) -> TriagedMention:
    mention = Mention(
        platform=platform,
        native_id=native_id,
        text=text,
        author=Author(handle=f"user{native_id}"),
        created_at=BASE + timedelta(minutes=minutes),
        thread=ThreadRef(root_id=root_id, parent_id=root_id),
        match=Match(brand=brand),
    )
    return TriagedMention(
        mention=mention,
        sentiment=SentimentResult(label=sentiment, scores=SentimentScores(negative=0.8), analyzer="local"),
        triage=TriageDecision(
            reaction=reaction,
            category=Category.COMPLAINT,
            severity=severity,
            team=team,
            sla_minutes=sla_minutes,
            rules=("complaint",),
            reasons=("negative sentiment",),
            suggested_response="Sorry to hear that - please DM us your order number.",
        ),
    )


def item(native_id: str, minutes: int = 0, **kwargs: Any) -> MentionItem:
    return MentionItem.from_triaged(triaged(native_id, minutes, **kwargs), stored_at=BASE + timedelta(minutes=minutes))


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any


ROUTES = {
    ("GET", "/mentions"): "/mentions",
    ("GET", "/stats"): "/stats",
    ("GET", "/incidents"): "/incidents",
    ("GET", "/openapi.json"): "/openapi.json",
    ("GET", "/docs"): "/docs",
}


def api_event(
    method: str,
    path: str,
    query: dict[str, Any] | None = None,
    body: Any = None,
    claims: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    template_path = ROUTES.get((method, path)) or openapi_route(path)
    params = {"id": path.rsplit("/", 1)[-1]} if template_path.endswith("}") else {}
    payload = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
    event = LocalStack.api_gateway_event(
        HttpRoute("ApiFunction", method, template_path),
        method,
        path,
        urlencode(query or {}),
        {"content-type": "application/json"} if payload else {},
        payload.encode(),
        params,
    )
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return event


def invoke(handler: Any, context: Any, *args: Any, **kwargs: Any) -> ApiResponse:
    response = handler.lambda_handler(api_event(*args, **kwargs), context)
    headers = {key.lower(): value for key, value in (response.get("headers") or {}).items()}
    body = response.get("body") or ""
    parsed = json.loads(body) if headers.get("content-type", "").startswith("application/json") and body else body
    return ApiResponse(response["statusCode"], headers, parsed)


DOCUMENTATION_ROUTES = {"/openapi.json", "/docs"}  # they serve the document itself and are not in it


def openapi_route(path: str) -> str:
    """The document's path template for a concrete request path."""
    if path.startswith("/mentions/"):
        return "/mentions/{id}"
    if path.startswith("/incidents/"):
        return "/incidents/{id}"
    return path


def check_against_openapi(document: dict[str, Any], method: str, path: str, status: int, body: Any) -> None:
    """Fail unless the document declares this status for the route and the body matches its JSON schema."""
    from jsonschema import Draft202012Validator

    if path in DOCUMENTATION_ROUTES:
        return
    operation = document["paths"][openapi_route(path)][method.lower()]
    declared = operation["responses"].get(str(status))
    assert declared is not None, f"{method} {path} answered {status}, which the OpenAPI document does not declare"
    schema = declared["content"]["application/json"]["schema"]
    Draft202012Validator({"allOf": [schema], "components": document["components"]}).validate(body)
