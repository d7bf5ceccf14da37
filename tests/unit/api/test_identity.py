"""Who is calling, from verified JWT claims; access is fail-closed: a token must name its team or all teams."""

from __future__ import annotations

import pytest

from mentionwatch.api.identity import caller_from_claims, groups_of
from mentionwatch.exceptions import Forbidden, Unauthorized

# What API Gateway's JWT authorizer hands over for a Cognito access token: no custom attributes at all.
ACCESS_TOKEN = {"sub": "abc", "username": "abc", "client_id": "client", "token_use": "access", "scope": "openid"}
ID_TOKEN = {"sub": "abc", "email": "sam@example.com", "aud": "client", "token_use": "id"}


@pytest.mark.parametrize("claims", [None, {}, {"sub": ""}, {"sub": "  "}, {"email": "a@example.com"}])
def test_no_subject_means_no_access(claims):
    with pytest.raises(Unauthorized) as raised:
        caller_from_claims(claims)

    assert raised.value.field == "authorization"


@pytest.mark.parametrize(
    "claims",
    [
        ACCESS_TOKEN,
        ID_TOKEN,
        ID_TOKEN | {"custom:team": "  "},
        ACCESS_TOKEN | {"cognito:groups": "[]"},
        ACCESS_TOKEN | {"cognito:groups": "[admins support]"},
        ACCESS_TOKEN | {"cognito:groups": ["admins"]},
        ACCESS_TOKEN | {"cognito:groups": "[team:]"},
    ],
)
def test_a_token_naming_no_team_and_no_all_teams_grant_is_forbidden(claims):
    # Given claims with a subject but no team claim, team group or all-teams grant
    # When the caller is derived
    with pytest.raises(Forbidden) as raised:
        caller_from_claims(claims)

    # Then it is refused naming the authorization, never read as "every team"
    assert raised.value.status == 403 and raised.value.field == "authorization"


def test_the_actor_is_the_email_when_there_is_one():
    caller = caller_from_claims(ID_TOKEN | {"custom:team": "care"})

    assert caller.actor == "sam@example.com"


def test_an_id_token_custom_team_scopes_the_caller():
    caller = caller_from_claims(ID_TOKEN | {"custom:team": "care"})

    assert caller.team == "care" and caller.scope == "care"


def test_an_external_idp_team_claim_scopes_the_caller():
    caller = caller_from_claims({"sub": "abc", "mentionwatch:team": "safety"})

    assert caller.team == "safety" and caller.scope == "safety"


@pytest.mark.parametrize(
    "groups",
    [
        "[team:customer-care]",
        "[admins team:customer-care]",
        ["team:customer-care"],
        ["admins", "team:customer-care"],
        '["team:customer-care"]',
    ],
)
def test_a_team_group_in_an_access_token_scopes_the_caller(groups):
    # Given an access token (no custom:team) whose groups include team:customer-care, in either claim form
    caller = caller_from_claims(ACCESS_TOKEN | {"cognito:groups": groups})

    # Then the caller is limited to customer-care
    assert caller.team == "customer-care" and caller.scope == "customer-care"
    assert caller.sees("customer-care") and not caller.sees("care")


def test_the_same_team_from_the_attribute_and_the_group_agrees():
    caller = caller_from_claims(ID_TOKEN | {"custom:team": "care", "cognito:groups": "[team:care]"})

    assert caller.team == "care"


@pytest.mark.parametrize(
    "claims",
    [
        ACCESS_TOKEN | {"cognito:groups": "[mentionwatch-all-teams]"},
        ACCESS_TOKEN | {"cognito:groups": ["admins", "mentionwatch-all-teams"]},
        {"sub": "abc", "mentionwatch:team": "*"},
    ],
)
def test_only_an_explicit_grant_gives_every_team(claims):
    caller = caller_from_claims(claims)

    assert caller.team is None and caller.scope == "*"
    assert caller.team_filter(None) is None
    assert caller.team_filter("safety") == "safety"


@pytest.mark.parametrize(
    "claims",
    [
        ACCESS_TOKEN | {"cognito:groups": "[team:care team:safety]"},
        ID_TOKEN | {"custom:team": "care", "mentionwatch:team": "safety"},
        ID_TOKEN | {"custom:team": "care", "cognito:groups": "[team:safety]"},
        ID_TOKEN | {"custom:team": "care", "cognito:groups": "[mentionwatch-all-teams]"},
        {"sub": "abc", "mentionwatch:team": "*", "cognito:groups": "[team:care]"},
    ],
)
def test_disagreeing_team_grants_are_refused_as_ambiguous(claims):
    with pytest.raises(Forbidden) as raised:
        caller_from_claims(claims)

    assert raised.value.field == "authorization" and "disagree" in raised.value.message


@pytest.mark.parametrize(
    "claims",
    [
        ID_TOKEN | {"custom:team": "*"},  # only mentionwatch:team may say "every team"
        ACCESS_TOKEN | {"cognito:groups": "[team:*]"},
        {"sub": "abc", "mentionwatch:team": "a#b"},
        {"sub": "abc", "mentionwatch:team": "x" * 65},
    ],
)
def test_a_team_that_is_no_valid_team_name_is_refused(claims):
    with pytest.raises(Forbidden) as raised:
        caller_from_claims(claims)

    assert raised.value.field == "authorization"


def test_a_team_caller_is_held_to_its_team():
    caller = caller_from_claims(ACCESS_TOKEN | {"cognito:groups": "[team:care]"})

    assert caller.team_filter(None) == "care"
    assert caller.team_filter("care") == "care"
    with pytest.raises(Forbidden) as raised:
        caller.team_filter("safety")
    assert raised.value.field == "team"
    assert caller.sees("care") and not caller.sees("safety")


@pytest.mark.parametrize(
    ("claim", "groups"),
    [
        (None, []),
        ("[]", []),
        ("[a]", ["a"]),
        ("[a b  team:c]", ["a", "b", "team:c"]),
        ("a b", ["a", "b"]),
        ('["a", "b"]', ["a", "b"]),
        (["a", " ", "b"], ["a", "b"]),
    ],
)
def test_groups_are_read_from_a_list_or_api_gateways_flattened_string(claim, groups):
    assert groups_of({"cognito:groups": claim} if claim is not None else {}) == groups
