"""A scripted HTTP transport for the reply adapters: answers from the documented fixtures, records requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mentionwatch.lifecycle import ResponseKind
from mentionwatch.models import Mention, Platform
from mentionwatch.pollers.http import HttpRequest, HttpResponse
from mentionwatch.responses.platforms.base import ReplyContext

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "replies"
NOW = datetime(2026, 12, 1, 9, 12, tzinfo=UTC)
SECRET = "tok-SUPER-SECRET-4e1f"


def fixture(platform: str, name: str) -> HttpResponse:
    entry = json.loads((FIXTURES / f"{platform}.json").read_text())[name]
    headers = {}
    for key, value in (entry.get("headers") or {}).items():
        if str(value).startswith("OFFSET:"):
            value = str(int(NOW.timestamp()) + int(value.removeprefix("OFFSET:")))
        headers[key.lower()] = str(value)
    return HttpResponse(status=entry["status"], headers=headers, body=json.dumps(entry["body"]).encode())


class ScriptedTransport:
    """Answers each request with the next scripted response for the first route whose marker is in its URL."""

    def __init__(self, routes: dict[str, list[HttpResponse] | Callable[[HttpRequest], HttpResponse]]) -> None:
        self.routes = routes
        self.requests: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        for marker, answers in self.routes.items():
            if marker in request.url:
                if callable(answers):
                    return answers(request)
                return answers.pop(0) if len(answers) > 1 else answers[0]
        raise AssertionError(f"unexpected request to {request.url}")

    def posts(self) -> list[HttpRequest]:
        return [request for request in self.requests if request.method == "POST"]


def mention(platform: Platform, native_id: str, handle: str = "dana", permalink: str | None = None) -> Mention:
    return Mention(
        platform=platform,
        native_id=native_id,
        permalink=permalink,
        text="my bag is lost",
        author={"handle": handle},
        created_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )


def context(
    target: Mention,
    account: str,
    credentials: dict[str, str] | None = None,
    visibility: ResponseKind = ResponseKind.PUBLIC_REPLY,
) -> ReplyContext:
    return ReplyContext(
        mention=target,
        account=account,
        visibility=visibility,
        credentials=credentials if credentials is not None else {"access_token": SECRET},
        idempotency_key="x:1:key-0001",
        now=NOW,
    )


def body_of(request: HttpRequest) -> Any:
    assert request.body is not None
    text = request.body.decode()
    if request.headers.get("content-type") == "application/json":
        return json.loads(text)
    from urllib.parse import parse_qs

    return {key: values[0] for key, values in parse_qs(text).items()}
