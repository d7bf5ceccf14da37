"""A scripted HTTP transport (the pollers' only way out) and a watch configuration for the poller tests."""

from __future__ import annotations

import copy
import json
import socket
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mentionwatch.config.watch import WatchConfig, load_watch_config
from mentionwatch.pollers.http import HttpRequest, HttpResponse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms"
NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)

WATCH_YAML = """
brands:
  - name: acme
    keywords: [acme air, acme]
    handles: {bluesky: [acme.com]}
  - name: globex
    keywords: [globex]
pollers:
  reddit:
    user_agent: "aws-lambda:mentionwatch:0.1.0 (by /u/acme_social)"
    max_pages: 3
    overlap_minutes: 30
    queries:
      - {name: acme-search, brand: acme, q: '"acme air"'}
      - {name: travel-comments, brand: acme, kind: comments, subreddit: travel}
  bluesky:
    queries:
      - {name: acme-posts, brand: acme, q: acme air}
  mastodon:
    instance: https://social.example
    queries:
      - {name: acmeair-tag, brand: acme, hashtag: acmeair}
  rss:
    feeds:
      - {name: travel-deals, brand: acme, url: "https://traveldeals.example/feed/"}
      - name: review-comments
        brand: acme
        url: "https://reviews.example/acme-air/comments/feed/"
        match_all: true
"""


def fixture_json(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_bytes())


def fixture_bytes(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def respond(status: int = 200, body: Any = b"", headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status=status, headers={k.lower(): v for k, v in (headers or {}).items()}, body=raw)


@dataclass
class FakeTransport:
    """Answers each (method, URL without query) with the next scripted response; records every request."""

    routes: dict[tuple[str, str], deque[HttpResponse]] = field(default_factory=dict)
    requests: list[HttpRequest] = field(default_factory=list)

    def on(self, method: str, url: str, *responses: HttpResponse) -> FakeTransport:
        self.routes.setdefault((method, url), deque()).extend(responses)
        return self

    def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url))
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {request.url} {dict(request.params)}")
        return queue.popleft()

    def to(self, url: str) -> list[HttpRequest]:
        return [request for request in self.requests if request.url == url]


def copy_with(template: dict[str, Any], **changes: Any) -> dict[str, Any]:
    item = copy.deepcopy(template)
    item.update(changes)
    return item


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("unit tests must not open network connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def watch() -> WatchConfig:
    return load_watch_config(WATCH_YAML)


@pytest.fixture
def http() -> FakeTransport:
    return FakeTransport()


@dataclass(frozen=True)
class Kit:
    """Helpers handed to tests as one fixture (test modules do not import conftest)."""

    respond = staticmethod(respond)
    fixture_json = staticmethod(fixture_json)
    fixture_bytes = staticmethod(fixture_bytes)
    copy_with = staticmethod(copy_with)
    now: datetime = NOW


@pytest.fixture
def kit() -> Kit:
    return Kit()
