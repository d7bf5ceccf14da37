"""Helpers for the platform tests: fixture bytes exactly as a platform sends them, and inbound requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mentionwatch.sources.base import InboundRequest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms"
RECEIVED_AT = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    def load(relative: str) -> bytes:
        return (FIXTURES / relative).read_bytes()

    return load


@pytest.fixture
def inbound() -> Callable[..., InboundRequest]:
    def build(
        source: str,
        *,
        method: str = "POST",
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> InboundRequest:
        all_headers = {"content-type": content_type}
        all_headers.update({name.lower(): value for name, value in (headers or {}).items()})
        return InboundRequest(
            source=source,
            method=method,
            headers=all_headers,
            query=query or {},
            body=body,
            received_at=RECEIVED_AT,
        )

    return build
