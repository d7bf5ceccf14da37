"""MENTIONWATCH_PLATFORM_ENDPOINTS for the poller (and the API's replies): unset means the platforms' real hosts;
a replacement must be an https URL, or plain http on loopback only (the local stack's fake platforms)."""

from __future__ import annotations

import json

import pytest

from mentionwatch.api.settings import ApiSettings
from mentionwatch.exceptions import ConfigurationError
from mentionwatch.settings import PollerSettings

BASE = {"MENTIONWATCH_TABLE": "mentions", "MENTIONWATCH_QUEUE_URL": "https://sqs.example/queue"}


def settings(endpoints: object) -> PollerSettings:
    raw = endpoints if isinstance(endpoints, str) else json.dumps(endpoints)
    return PollerSettings.from_environ(BASE | {"MENTIONWATCH_PLATFORM_ENDPOINTS": raw})


def test_unset_means_no_replacement():
    assert PollerSettings.from_environ(BASE).platform_endpoints == {}


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8123/", "http://localhost:8123", "http://[::1]:9000", "https://pds.example.org"],
)
def test_https_anywhere_and_plain_http_on_loopback_are_accepted_without_a_trailing_slash(url):
    assert settings({"reddit": url}).platform_endpoints == {"reddit": url.rstrip("/")}


@pytest.mark.parametrize(
    ("endpoints", "says"),
    [
        ({"reddit": "http://reddit-proxy.example"}, "plain http on a host that is not loopback"),
        ({"reddit": "http://10.0.0.5:8080"}, "plain http on a host that is not loopback"),
        ({"bluesky": "ftp://127.0.0.1"}, "is not an http(s) URL"),
        ({"bluesky": "https://pds.example?x=1"}, "is not an http(s) URL"),
        ({"bluesky": "127.0.0.1:8123"}, "is not an http(s) URL"),
        ({"redit": "https://oauth.reddit.com"}, "'redit' is not a platform"),
        ('{"reddit": ', "Invalid JSON"),
        (["https://oauth.reddit.com"], "valid dictionary"),
    ],
)
def test_a_bad_replacement_is_a_configuration_error_naming_the_variable(endpoints, says):
    with pytest.raises(ConfigurationError) as refused:
        settings(endpoints)
    assert refused.value.field == "MENTIONWATCH_PLATFORM_ENDPOINTS"
    assert says in refused.value.message


def test_the_api_checks_its_reply_hosts_the_same_way():
    # Given the API function's environment with a reply host on plain http off loopback
    environ = {
        "MENTIONWATCH_TABLE": "mentions",
        "MENTIONWATCH_PLATFORM_ENDPOINTS": json.dumps({"x": "http://x.example"}),
    }
    # Then the function refuses to start, naming the variable (replies would carry the brand's credentials in clear)
    with pytest.raises(ConfigurationError) as refused:
        ApiSettings.from_environ(environ)
    assert refused.value.field == "MENTIONWATCH_PLATFORM_ENDPOINTS"
    # and the local fakes' loopback hosts are accepted
    loopback = environ | {"MENTIONWATCH_PLATFORM_ENDPOINTS": json.dumps({"x": "http://127.0.0.1:8123/"})}
    assert ApiSettings.from_environ(loopback).platform_endpoints == {"x": "http://127.0.0.1:8123"}
