"""GET /stats, authentication and the OpenAPI document, through the real handler."""

from __future__ import annotations

from datetime import timedelta

import pytest
from openapi_spec_validator import validate

from mentionwatch.lifecycle import Action, ResponseKind, step
from mentionwatch.models import MentionStatus, Platform, Reaction, Sentiment
from tests.api_support import BASE, ID_TOKEN_CLAIMS, item

RANGE = {"since": "2026-11-19T00:00:00Z", "until": "2026-11-22T00:00:00Z"}


def _respond(store, mention_id, minutes_after, created_minutes):
    at = BASE + timedelta(minutes=created_minutes + minutes_after)
    event = step(MentionStatus.NEW, Action.RESPOND, actor="a", at=at, response_kind=ResponseKind.MOVED_OFFLINE)
    store.apply(mention_id, 1, event)


@pytest.fixture
def history(store):
    """Four mentions on 20 Nov, one on 21 Nov, one outside the range; answered at known delays."""
    store.put_new(item("1", 0, sla_minutes=60))  # answered after 30 min: SLA met
    store.put_new(item("2", 10, sla_minutes=60, team="care"))  # answered after 90 min: breached
    store.put_new(item("3", 20, sla_minutes=15, team="care"))  # never answered: breached and open
    store.put_new(
        item("4", 30, sentiment=Sentiment.POSITIVE, reaction=Reaction.ACKNOWLEDGE, platform=Platform.MASTODON)
    )
    store.put_new(item("5", 60 * 24, sentiment=Sentiment.MIXED))
    store.put_new(item("6", -60 * 24 * 3))  # 17 Nov: outside the range
    _respond(store, "x:1", 30, 0)
    _respond(store, "x:2", 90, 10)
    store.apply(
        "x:5", 1, step(MentionStatus.NEW, Action.ACKNOWLEDGE, actor="a", at=BASE + timedelta(days=1, minutes=12))
    )


def test_stats_count_by_sentiment_reaction_platform_team_and_status(history, call):
    response = call("GET", "/stats", query=RANGE)

    assert response.status == 200
    body = response.body
    assert body["total"] == 5
    assert body["by_sentiment"] == {"NEGATIVE": 3, "POSITIVE": 1, "MIXED": 1}
    assert body["by_reaction"] == {"respond": 4, "acknowledge": 1}
    assert body["by_platform"] == {"x": 4, "mastodon": 1}
    assert body["by_team"] == {"social": 3, "care": 2}
    assert body["by_status"] == {"responded": 2, "new": 2, "acknowledged": 1}


def test_stats_series_has_one_bucket_per_interval(history, call):
    body = call("GET", "/stats", query=RANGE | {"interval": "day"}).body

    assert [(bucket["start"], bucket["total"]) for bucket in body["series"]] == [
        ("2026-11-19T00:00:00Z", 0),
        ("2026-11-20T00:00:00Z", 4),
        ("2026-11-21T00:00:00Z", 1),
    ]


def test_stats_response_and_acknowledge_time_percentiles(history, call):
    body = call("GET", "/stats", query=RANGE).body

    assert body["response_minutes"] == {"count": 2, "p50": 30.0, "p90": 90.0, "p95": 90.0, "max": 90.0}
    assert body["acknowledge_minutes"] == {"count": 1, "p50": 12.0, "p90": 12.0, "p95": 12.0, "max": 12.0}


def test_stats_count_sla_breaches(history, call):
    body = call("GET", "/stats", query=RANGE).body

    assert body["sla"] == {"with_sla": 3, "met": 1, "breached": 2, "breached_open": 1, "breached_by_team": {"care": 2}}


def test_stats_of_a_team_scoped_caller_cover_only_its_team(history, call):
    body = call("GET", "/stats", query=RANGE, claims=ID_TOKEN_CLAIMS | {"custom:team": "care"}).body

    assert body["total"] == 2 and body["by_team"] == {"care": 2}


def test_stats_filtered_by_brand_use_the_brand_index(history, store, call):
    store.put_new(item("7", 5, brand="globex"))

    body = call("GET", "/stats", query=RANGE | {"brand": "globex"}).body

    assert body["total"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"interval": "minute"}, "interval"),
        ({"since": "2026-01-01T00:00:00Z", "until": "2026-11-01T00:00:00Z"}, "since"),
        ({"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"}, "since"),
        ({"group_by": "team"}, "group_by"),
        ({"until": "0001-01-03T00:00:00Z"}, "until"),
        ({"since": "9999-12-31T00:00:00-12:00"}, "since"),
    ],
)
def test_bad_stats_parameters_are_400_naming_the_field(table, call, query, field):
    response = call("GET", "/stats", query=query)

    assert response.status == 400 and response.body["error"]["field"] == field


# --- authentication -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/mentions", None),
        ("GET", "/mentions/x:1", None),
        ("PATCH", "/mentions/x:1", {"action": "acknowledge", "version": 1}),
        ("GET", "/stats", None),
        ("GET", "/incidents", None),
        ("GET", "/incidents/thread:x:1%231", None),
    ],
)
def test_no_mention_data_without_verified_claims(store, anonymous, method, path, body):
    store.put_new(item("1", 0))

    response = anonymous(method, path, body=body)

    assert response.status == 401
    assert response.body["error"] == {
        "code": "unauthorized",
        "message": "a bearer token is required",
        "field": "authorization",
    }
    assert store.get("x:1").version == 1


def test_claims_without_a_subject_are_refused(store, call):
    response = call("GET", "/mentions", claims={"email": "someone@example.com"})

    assert response.status == 401


def test_the_actor_falls_back_to_the_subject(store, call):
    store.put_new(item("1", 0))

    body = call(
        "PATCH",
        "/mentions/x:1",
        body={"action": "acknowledge", "version": 1},
        claims={"sub": "abc-123", "mentionwatch:team": "*"},
    ).body

    assert body["acknowledged_by"] == "abc-123"


# --- OpenAPI --------------------------------------------------------------------------------------------
def test_the_openapi_document_is_valid_and_public(anonymous, openapi):
    validate(openapi)

    assert anonymous("GET", "/openapi.json").status == 200
    assert set(openapi["paths"]) == {
        "/mentions",
        "/mentions/{id}",
        "/mentions/{id}/replies",
        "/mentions/{id}/replies/{key}/approve",
        "/stats",
        "/incidents",
        "/incidents/{id}",
    }
    assert set(openapi["paths"]["/mentions/{id}"]) == {"get", "patch"}
    assert openapi["security"] == [{"bearer": []}]


def test_the_document_lists_every_filter_of_the_search(openapi):
    names = {parameter["name"] for parameter in openapi["paths"]["/mentions"]["get"]["parameters"]}

    assert names == {
        "status",
        "severity",
        "brand",
        "reaction",
        "team",
        "platform",
        "sentiment",
        "since",
        "until",
        "limit",
        "cursor",
    }


def test_the_documentation_page_is_served(anonymous):
    response = anonymous("GET", "/docs")

    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swagger" in response.body.lower()


def test_an_unknown_route_is_a_404_problem(anonymous):
    response = anonymous("GET", "/mentions/x:1/comments")

    assert response.status == 404
    assert response.body["error"]["code"] == "route_not_found"
