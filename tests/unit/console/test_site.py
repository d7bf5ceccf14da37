"""Serving the console: which names are served, the sign-in configuration, and the security headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentionwatch.console import site
from mentionwatch.exceptions import ConfigurationError, NotFound

COGNITO = {
    "MENTIONWATCH_CONSOLE_SIGN_IN": "oidc",
    "MENTIONWATCH_CONSOLE_AUTHORIZE_URL": "https://mw-1.auth.eu-west-1.amazoncognito.com/oauth2/authorize",
    "MENTIONWATCH_CONSOLE_TOKEN_URL": "https://mw-1.auth.eu-west-1.amazoncognito.com/oauth2/token",
    "MENTIONWATCH_CONSOLE_CLIENT_ID": "client123",
    "MENTIONWATCH_CONSOLE_REDIRECT_URI": "https://mentions.example.com/console",
}


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "index.html").write_text("<!doctype html><title>shell</title>")
    (tmp_path / "main-ABCDEF12.js").write_text("console.log(1)")
    (tmp_path / "main-ABCDEF12.css").write_text("body{}")
    (tmp_path / "notes.txt").write_text("not a bundle")
    monkeypatch.setattr(site, "STATIC", tmp_path)
    site._read.cache_clear()
    return tmp_path


def test_bundles_are_served_with_their_type_and_cached_for_good(built):
    settings = site.ConsoleSettings.from_environ({})
    script = site.asset("main-ABCDEF12.js", settings)
    assert (script.body, script.content_type) == ("console.log(1)", "text/javascript; charset=utf-8")
    assert "immutable" in script.headers["Cache-Control"]
    assert site.asset("main-ABCDEF12.css", settings).content_type.startswith("text/css")


@pytest.mark.parametrize("name", ["notes.txt", "main-abcdef12.js", "..", "main-ABCDEF12.js.map", "other-ABCDEF12.js"])
def test_any_other_name_is_not_found(built, name):
    with pytest.raises(NotFound):
        site.asset(name, site.ConsoleSettings.from_environ({}))


def test_the_shell_is_revalidated_and_carries_a_strict_policy(built):
    shell = site.shell(site.ConsoleSettings.from_environ({}))
    assert shell.content_type == "text/html; charset=utf-8"
    assert shell.headers["Cache-Control"] == "no-cache"
    policy = shell.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "connect-src 'self';" in policy
    assert shell.headers["X-Frame-Options"] == "DENY"


def test_an_unbuilt_console_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setattr(site, "STATIC", tmp_path)
    with pytest.raises(ConfigurationError, match="make console"):
        site.shell(site.ConsoleSettings.from_environ({}))


def test_local_sign_in_configuration_names_only_the_mode(built):
    settings = site.ConsoleSettings.from_environ({"MENTIONWATCH_CONSOLE_SIGN_IN": "local"})
    assert site.config_document(settings) == {"auth": "local"}


def test_hosted_sign_in_lets_the_page_call_the_token_endpoint_only(built):
    settings = site.ConsoleSettings.from_environ(COGNITO)
    config = site.config_document(settings)
    assert config["auth"] == "oidc" and config["client_id"] == "client123"
    assert config["redirect_uri"] == "https://mentions.example.com/console"
    policy = site.asset("config.json", settings).headers["Content-Security-Policy"]
    assert "connect-src 'self' https://mw-1.auth.eu-west-1.amazoncognito.com;" in policy
