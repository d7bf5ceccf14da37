"""Deployed sign-in, in a real browser: the console's authorization code flow with PKCE (RFC 7636, S256) against
an identity provider's authorize and token endpoints. The provider is played by Playwright's request routing (no
network): it checks what a real Cognito hosted UI checks (client, redirect URI, state round trip, the verifier
against the challenge) and hands back a token the local stack's authorizer accepts."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from mentionwatch.local.stack import LocalStack
from tests.browser.conftest import CONSOLE_TOKEN, screenshot
from tests.support import ROOT

ISSUER = "https://auth.mentionwatch.example"
CLIENT_ID = "console-client"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def oidc_stack() -> Iterator[LocalStack]:
    """An empty local stack whose console signs in through an identity provider, as deployed."""
    port = _free_port()
    stack = LocalStack(
        ROOT,
        http_port=port,
        local_token=CONSOLE_TOKEN,
        environment_overrides={
            "MENTIONWATCH_CONSOLE_SIGN_IN": "oidc",
            "MENTIONWATCH_CONSOLE_AUTHORIZE_URL": f"{ISSUER}/oauth2/authorize",
            "MENTIONWATCH_CONSOLE_TOKEN_URL": f"{ISSUER}/oauth2/token",
            "MENTIONWATCH_CONSOLE_CLIENT_ID": CLIENT_ID,
            "MENTIONWATCH_CONSOLE_REDIRECT_URI": f"http://127.0.0.1:{port}/console",
            "MENTIONWATCH_CONSOLE_PROVIDER": "mentionwatch sign-in",
        },
    ).start()
    try:
        yield stack
    finally:
        stack.stop()


class FakeProvider:
    """The authorize and token endpoints, with the checks a real provider makes."""

    def __init__(self, redirect_uri: str) -> None:
        self.redirect_uri = redirect_uri
        self.challenges: dict[str, str] = {}  # code → the PKCE challenge it was issued for
        self.exchanges: list[dict[str, list[str]]] = []

    def authorize(self, route: Any) -> None:
        query = parse_qs(urlsplit(route.request.url).query)
        assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
        assert query["redirect_uri"] == [self.redirect_uri] and query["code_challenge_method"] == ["S256"]
        code = f"code-{len(self.challenges) + 1}"
        self.challenges[code] = query["code_challenge"][0]
        back = f"{self.redirect_uri}?{urlencode({'code': code, 'state': query['state'][0]})}"
        route.fulfill(status=302, headers={"Location": back})

    def token(self, route: Any) -> None:
        form = parse_qs(route.request.post_data or "")
        self.exchanges.append(form)
        verifier = form.get("code_verifier", [""])[0]
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        code = form.get("code", [""])[0]
        valid = (
            form.get("grant_type") == ["authorization_code"]
            and form.get("client_id") == [CLIENT_ID]
            and form.get("redirect_uri") == [self.redirect_uri]
            and self.challenges.pop(code, None) == digest  # one use per code, and only with its verifier
        )
        origin = {"Access-Control-Allow-Origin": urlsplit(self.redirect_uri)._replace(path="").geturl()}
        if not valid:
            route.fulfill(status=400, headers=origin, json={"error": "invalid_grant"})
            return
        body = {"id_token": CONSOLE_TOKEN, "access_token": "not-for-the-api", "expires_in": 3600}
        route.fulfill(status=200, headers=origin, content_type="application/json", body=json.dumps(body))


def test_the_console_signs_in_through_the_identity_provider_with_pkce(oidc_stack: LocalStack, open_browser):
    page = open_browser(1280, 900)
    provider = FakeProvider(f"{oidc_stack.url}/console")
    page.context.route(f"{ISSUER}/oauth2/authorize*", provider.authorize)
    page.context.route(f"{ISSUER}/oauth2/token", provider.token)

    # Given the console of a deployment with a sign-in page
    page.goto(f"{oidc_stack.url}/console#/incidents")
    button = page.get_by_role("button", name="Sign in with mentionwatch sign-in")
    expect(button).to_be_visible()
    screenshot(page, "0-sign-in-oidc")

    # When the person signs in at the provider and comes back
    button.click()

    # Then the code is exchanged once with the verifier of its challenge, and the page they asked for is shown
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    assert len(provider.exchanges) == 1 and provider.challenges == {}
    assert "code=" not in page.url  # the code leaves the address bar
    # And the token is kept in memory only: nothing of the sign-in is left in the browser's storage
    stored = page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert CONSOLE_TOKEN not in stored and stored == "[[],[]]", stored
    assert page.errors == []


def test_a_forged_return_from_the_provider_is_refused(oidc_stack: LocalStack, open_browser):
    page = open_browser(1280, 900)
    provider = FakeProvider(f"{oidc_stack.url}/console")
    page.context.route(f"{ISSUER}/oauth2/token", provider.token)

    # When the console is opened with a code and state it never asked for (a forged or replayed redirect)
    page.goto(f"{oidc_stack.url}/console?code=stolen&state=guessed#/queue")

    # Then it says so, exchanges nothing and stays signed out
    expect(page.get_by_text("the state did not match")).to_be_visible()
    assert provider.exchanges == []
    expect(page.get_by_role("button", name="Sign in with mentionwatch sign-in")).to_be_visible()
