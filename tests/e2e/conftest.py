"""The local stack for end-to-end tests: one per test module, the process environment restored afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from mentionwatch.local.stack import LocalStack
from tests.support import ROOT

E2E_TOKEN = "e2e-token-1234567890"  # noqa: S105 - the local stack's test bearer token


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    saved = dict(os.environ)
    local = LocalStack(ROOT, http_port=0, local_token=E2E_TOKEN).start()
    try:
        yield local
    finally:
        local.stop()  # resets moto's in-process state: the next module's stack starts empty
        os.environ.clear()
        os.environ.update(saved)
