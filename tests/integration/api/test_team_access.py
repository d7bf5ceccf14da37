"""Fail-closed team access through the real handler: the token must name its team, or all teams, explicitly.

Cognito access tokens (what most clients send) carry no custom attributes, so `custom:team` never reaches the
function with them; their `cognito:groups` do, flattened by API Gateway HTTP API to a "[a b]" string.
"""

from __future__ import annotations

import pytest

from tests.api_support import ACCESS_TOKEN_CLAIMS, ALL_TEAMS_CLAIMS, ID_TOKEN_CLAIMS, item

CUSTOMER_CARE = ACCESS_TOKEN_CLAIMS | {"cognito:groups": "[team:customer-care]"}
ALL_TEAMS_ACCESS = ACCESS_TOKEN_CLAIMS | {"cognito:groups": "[mentionwatch-all-teams]"}


@pytest.fixture
def two_teams(store):
    store.put_new(item("1", 0, team="customer-care"))
    store.put_new(item("2", 10, team="safety"))
    store.put_new(item("3", 20, team="customer-care"))
    return store


def ids(response) -> list[str]:
    return [mention["id"] for mention in response.body["items"]]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/mentions", None),
        ("GET", "/mentions/x:1", None),
        ("PATCH", "/mentions/x:1", {"action": "acknowledge", "version": 1}),
        ("GET", "/stats", None),
    ],
)
def test_an_access_token_without_a_team_gets_403_and_no_data(two_teams, call, method, path, body):
    # Given an access token of a user whose only team is the custom:team attribute (absent from access tokens)
    # When it calls any mentions route
    response = call(method, path, body=body, claims=ACCESS_TOKEN_CLAIMS)

    # Then it is refused naming the authorization, and nothing is read or changed
    assert response.status == 403
    assert response.body["error"]["code"] == "forbidden"
    assert response.body["error"]["field"] == "authorization"
    assert "items" not in response.body and "total" not in response.body
    assert two_teams.get("x:1").version == 1


def test_a_team_group_lists_only_its_team(two_teams, call):
    response = call("GET", "/mentions", claims=CUSTOMER_CARE)

    assert response.status == 200 and ids(response) == ["x:3", "x:1"]


def test_a_team_group_cannot_read_another_teams_mention(two_teams, call):
    response = call("GET", "/mentions/x:2", claims=CUSTOMER_CARE)

    assert response.status == 404 and response.body["error"]["field"] == "id"


def test_a_team_group_reads_its_own_teams_mention(two_teams, call):
    response = call("GET", "/mentions/x:1", claims=CUSTOMER_CARE)

    assert response.status == 200 and response.body["id"] == "x:1"


def test_a_team_group_cannot_change_another_teams_mention(two_teams, call):
    response = call("PATCH", "/mentions/x:2", body={"action": "acknowledge", "version": 1}, claims=CUSTOMER_CARE)

    assert response.status == 404
    assert two_teams.get("x:2").version == 1


def test_a_team_group_asking_for_another_team_is_forbidden(two_teams, call):
    listing = call("GET", "/mentions", query={"team": "safety"}, claims=CUSTOMER_CARE)
    stats = call("GET", "/stats", query={"team": "safety"}, claims=CUSTOMER_CARE)

    assert listing.status == 403 and listing.body["error"]["field"] == "team"
    assert stats.status == 403 and stats.body["error"]["field"] == "team"


def test_a_team_group_counts_only_its_team(two_teams, call):
    body = call(
        "GET", "/stats", query={"since": "2026-11-20T00:00:00Z", "until": "2026-11-21T00:00:00Z"}, claims=CUSTOMER_CARE
    ).body

    assert body["total"] == 2 and body["by_team"] == {"customer-care": 2}


def test_several_team_groups_are_refused_as_ambiguous(two_teams, call):
    claims = ACCESS_TOKEN_CLAIMS | {"cognito:groups": "[team:customer-care team:safety]"}

    response = call("GET", "/mentions", claims=claims)

    assert response.status == 403 and response.body["error"]["field"] == "authorization"


@pytest.mark.parametrize("claims", [ALL_TEAMS_ACCESS, ALL_TEAMS_CLAIMS, {"sub": "ext-1", "mentionwatch:team": "*"}])
def test_an_explicit_all_teams_grant_sees_every_team(two_teams, call, claims):
    every = call("GET", "/mentions", claims=claims)
    safety = call("GET", "/mentions", query={"team": "safety"}, claims=claims)
    detail = call("GET", "/mentions/x:2", claims=claims)

    assert ids(every) == ["x:3", "x:2", "x:1"]
    assert ids(safety) == ["x:2"]
    assert detail.status == 200


def test_an_id_token_with_custom_team_still_scopes_the_caller(two_teams, call):
    claims = ID_TOKEN_CLAIMS | {"custom:team": "safety"}

    assert ids(call("GET", "/mentions", claims=claims)) == ["x:2"]
    assert call("GET", "/mentions/x:1", claims=claims).status == 404


def test_another_teams_cursor_is_refused_for_a_team_group(store, call):
    # Given a cursor issued to a safety caller and one issued to an all-teams caller
    for number in range(4):
        store.put_new(item(str(number), number, team="customer-care" if number % 2 else "safety"))
    safety = ACCESS_TOKEN_CLAIMS | {"cognito:groups": "[team:safety]"}
    safety_cursor = call("GET", "/mentions", query={"limit": 1}, claims=safety).body["next_cursor"]
    all_teams_cursor = call("GET", "/mentions", query={"limit": 1}, claims=ALL_TEAMS_ACCESS).body["next_cursor"]

    # When a customer-care caller presents them
    responses = [
        call("GET", "/mentions", query={"limit": 1, "cursor": cursor}, claims=CUSTOMER_CARE)
        for cursor in (safety_cursor, all_teams_cursor)
    ]

    # Then both are refused as invalid cursors
    assert [response.status for response in responses] == [400, 400]
    assert {response.body["error"]["field"] for response in responses} == {"cursor"}
