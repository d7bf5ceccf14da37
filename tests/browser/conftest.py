"""Browser tests of the triage console: Debian's `chromium`, driven by Playwright (PyPI `playwright`, no browser
download: `executable_path` points at the system Chromium), against a local stack holding the demo's mentions.

Setup on a fresh machine: `apt-get update && apt-get install -y chromium` (`.ci/run` does it when chromium is
missing); `make dev` installs playwright. MENTIONWATCH_CHROMIUM overrides the browser path. Screenshots of every
page go to test-output/browser/ (README: Console).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mentionwatch.local.demo import observe_topics, read_deliveries, seed
from mentionwatch.local.stack import ACCOUNT, REGION, LocalStack
from tests.support import ROOT

CONSOLE_TOKEN = "browser-token-1234567890"  # noqa: S105 - the local stack's test bearer token
CHROMIUM = os.environ.get("MENTIONWATCH_CHROMIUM", "/usr/bin/chromium")
# Quiet, reproducible runs: no first-run UI, no background fetches, no QUIC; a fresh profile per test.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-output" / "browser"
STEP_TIMEOUT_MS = 30_000  # each wait in a test (generous for a busy CI machine); a run takes about a minute


class DemoStack:
    def __init__(self, stack: LocalStack, alerts: list[dict[str, Any]]) -> None:
        self.stack = stack
        self.url = stack.url
        self.alerts = alerts

    def api(self, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"Bearer {CONSOLE_TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return json.loads(response.read())


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoStack]:
    """The local stack with the demo's sample stream delivered, and the alerts (SMS text included) it sent."""
    saved = dict(os.environ)
    # moto builds its SSM backend on the first call: on a busy machine longer than the SSM client's 3 s budget.
    from moto.ssm.models import ssm_backends

    ssm_backends[ACCOUNT][REGION]
    local = LocalStack(ROOT, http_port=0, local_token=CONSOLE_TOKEN).start()
    try:
        observer = observe_topics(local)
        seed(local, ROOT)
        alerts = [delivery for delivery in read_deliveries(observer) if "sms" in delivery]
        yield DemoStack(local, alerts)
    finally:
        local.stop()  # resets moto's in-process state: the next module's stack starts empty
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with `apt-get update && apt-get install -y chromium` "
            "(.ci/run does) or point MENTIONWATCH_CHROMIUM at a Chromium binary",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def open_browser(playwright: Any, tmp_path: Path) -> Iterator[Any]:
    """`open_browser(width, height)` -> a page in a fresh Chromium profile; console errors (CSP violations
    included) are collected on `page.errors`."""
    contexts: list[Any] = []

    def launch(width: int = 1280, height: int = 900, mobile: bool = False) -> Any:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / f"profile-{len(contexts)}"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": height},
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=1,
        )
        contexts.append(context)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        page = context.pages[0] if context.pages else context.new_page()
        page.errors = []
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield launch
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
