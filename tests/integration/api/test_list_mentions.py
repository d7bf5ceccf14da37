"""GET /mentions through the real handler: filters served by indexes, newest first, signed cursor pagination."""

from __future__ import annotations

import base64
import json

import pytest

from mentionwatch.lifecycle import Action, step
from mentionwatch.models import MentionStatus, Platform, Reaction, Sentiment, Severity
from tests.api_support import BASE, ID_TOKEN_CLAIMS, item


def ids(response) -> list[str]:
    return [row["id"] for row in response.body["items"]]


@pytest.fixture
def seeded(store):
    """A mixed set: severities, statuses, brands across two months, teams, platforms, sentiments."""
    rows = [
        item("1", 0, severity=Severity.LOW, reaction=Reaction.MONITOR, sentiment=Sentiment.NEUTRAL),
        item("2", 10, severity=Severity.CRITICAL, reaction=Reaction.ESCALATE, team="safety"),
        item("3", 20, severity=Severity.MEDIUM, platform=Platform.REDDIT),
        item(
            "4", 30, severity=Severity.HIGH, brand="globex", sentiment=Sentiment.POSITIVE, reaction=Reaction.ACKNOWLEDGE
        ),
        item("5", 40, severity=Severity.MEDIUM, team="care"),
        item("6", -60 * 24 * 30, severity=Severity.MEDIUM),  # the month before
    ]
    for row in rows:
        store.put_new(row)
    store.apply("x:5", 1, step(MentionStatus.NEW, Action.ACKNOWLEDGE, actor="a@example.com", at=BASE))
    return rows


def test_without_filters_every_mention_comes_newest_first_across_statuses_and_severities(seeded, call):
    response = call("GET", "/mentions")

    assert response.status == 200
    assert ids(response) == ["x:5", "x:4", "reddit:3", "x:2", "x:1", "x:6"]
    assert response.body["next_cursor"] is None


def test_status_filter_reads_only_that_queue(seeded, call):
    response = call("GET", "/mentions", query={"status": "acknowledged"})

    assert ids(response) == ["x:5"]
    assert response.body["items"][0]["status"] == "acknowledged"


def test_status_and_severity_narrow_to_one_queue_prefix(seeded, call):
    response = call("GET", "/mentions", query={"status": "new", "severity": "medium"})

    assert ids(response) == ["reddit:3", "x:6"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"reaction": "escalate"}, ["x:2"]),
        ({"team": "care"}, ["x:5"]),
        ({"platform": "reddit"}, ["reddit:3"]),
        ({"sentiment": "POSITIVE"}, ["x:4"]),
        ({"severity": "low"}, ["x:1"]),
    ],
)
def test_each_attribute_filter_returns_only_matching_mentions(store, call, query, expected):
    for row in [
        item("1", 0, severity=Severity.LOW),
        item("2", 10, reaction=Reaction.ESCALATE, severity=Severity.CRITICAL),
        item("3", 20, platform=Platform.REDDIT),
        item("4", 30, sentiment=Sentiment.POSITIVE),
        item("5", 40, team="care"),
    ]:
        store.put_new(row)

    response = call("GET", "/mentions", query=query)

    assert ids(response) == expected


def test_brand_filter_reads_month_buckets_newest_first(seeded, call):
    response = call(
        "GET", "/mentions", query={"brand": "acme", "since": "2026-10-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}
    )

    assert ids(response) == ["x:5", "reddit:3", "x:2", "x:1", "x:6"]


def test_brand_filter_combines_with_status_and_reaction(seeded, call):
    response = call(
        "GET",
        "/mentions",
        query={
            "brand": "acme",
            "status": "new",
            "reaction": "respond",
            "since": "2026-10-01T00:00:00Z",
            "until": "2026-12-01T00:00:00Z",
        },
    )

    assert ids(response) == ["reddit:3", "x:6"]


def test_time_range_includes_since_and_excludes_until(seeded, call):
    response = call("GET", "/mentions", query={"since": "2026-11-20T09:10:00Z", "until": "2026-11-20T09:30:00Z"})

    assert ids(response) == ["reddit:3", "x:2"]


def test_pages_walk_every_mention_once_in_order(store, call):
    for number in range(12):
        store.put_new(item(str(number), number, severity=list(Severity)[number % 4]))

    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        response = call("GET", "/mentions", query=query)
        seen += ids(response)
        pages += 1
        cursor = response.body["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == [f"x:{number}" for number in reversed(range(12))]


def test_a_page_that_ends_exactly_at_the_last_mention_has_no_cursor(store, call):
    for number in range(3):
        store.put_new(item(str(number), number))

    response = call("GET", "/mentions", query={"limit": 3})

    assert len(response.body["items"]) == 3 and response.body["next_cursor"] is None


def test_a_cursor_cannot_be_replayed_on_another_query(store, call):
    for number in range(3):
        store.put_new(item(str(number), number))
    first = call("GET", "/mentions", query={"limit": 1, "status": "new"})

    response = call("GET", "/mentions", query={"limit": 1, "status": "resolved", "cursor": first.body["next_cursor"]})

    assert response.status == 400
    assert response.body["error"]["field"] == "cursor"
    assert response.body["error"]["code"] == "invalid_cursor"


def test_a_tampered_cursor_is_refused(store, call):
    for number in range(3):
        store.put_new(item(str(number), number))
    cursor = call("GET", "/mentions", query={"limit": 1}).body["next_cursor"]
    payload, signature = cursor.split(".")
    document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    document["t"] = "*"
    document["p"]["created_at"] = "2099-01-01T00:00:00.000000Z"
    forged = base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode() + "." + signature

    response = call("GET", "/mentions", query={"limit": 1, "cursor": forged})

    assert response.status == 400 and response.body["error"]["field"] == "cursor"


@pytest.mark.parametrize("cursor", ["garbage", "a.b", "%%%.###", "." * 10])
def test_a_malformed_cursor_is_a_400_naming_the_cursor(call, table, cursor):
    response = call("GET", "/mentions", query={"cursor": cursor})

    assert response.status == 400
    assert response.body["error"]["field"] == "cursor"


def test_a_team_scoped_caller_sees_only_its_team(seeded, call):
    response = call("GET", "/mentions", claims=ID_TOKEN_CLAIMS | {"custom:team": "safety"})

    assert ids(response) == ["x:2"]


def test_a_team_scoped_caller_asking_for_another_team_is_forbidden(seeded, call):
    response = call(
        "GET", "/mentions", query={"team": "care"}, claims=ID_TOKEN_CLAIMS | {"mentionwatch:team": "safety"}
    )

    assert response.status == 403
    assert response.body["error"]["field"] == "team"


def test_an_all_teams_cursor_gives_a_team_scoped_caller_nothing_of_another_team(store, call):
    for number in range(4):
        store.put_new(item(str(number), number, team="care" if number % 2 else "safety"))
    cursor = call("GET", "/mentions", query={"limit": 1}).body["next_cursor"]

    response = call(
        "GET", "/mentions", query={"limit": 1, "cursor": cursor}, claims=ID_TOKEN_CLAIMS | {"custom:team": "safety"}
    )

    assert response.status == 400 and response.body["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "open"}, "status"),
        ({"severity": "extreme"}, "severity"),
        ({"platform": "myspace"}, "platform"),
        ({"sentiment": "angry"}, "sentiment"),
        ({"since": "yesterday"}, "since"),
        ({"since": "0001-01-01T00:00:00Z"}, "since"),
        ({"until": "9999-12-31T23:59:59+14:00"}, "until"),
        ({"brand": "acme#2026-11"}, "brand"),
        ({"since": "2026-11-21T00:00:00Z", "until": "2026-11-20T00:00:00Z"}, "since"),
        ({"brand": "acme", "since": "2020-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "since"),
    ],
)
def test_bad_query_parameters_are_400_naming_the_field(table, call, query, field):
    response = call("GET", "/mentions", query=query)

    assert response.status == 400
    assert response.body["error"]["field"] == field


def test_the_default_page_size_is_25(store, call):
    for number in range(30):
        store.put_new(item(str(number), number))

    response = call("GET", "/mentions")

    assert len(response.body["items"]) == 25 and response.body["next_cursor"]
