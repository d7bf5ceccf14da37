"""Who is calling, from verified JWT claims; team claims scope what a caller may read."""

from __future__ import annotations

import pytest

from mentionwatch.api.identity import caller_from_claims
from mentionwatch.exceptions import Forbidden, Unauthorized


@pytest.mark.parametrize("claims", [None, {}, {"sub": ""}, {"sub": "  "}, {"email": "a@example.com"}])
def test_no_subject_means_no_access(claims):
    with pytest.raises(Unauthorized) as raised:
        caller_from_claims(claims)

    assert raised.value.field == "authorization"


def test_the_actor_is_the_email_when_there_is_one():
    caller = caller_from_claims({"sub": "abc", "email": "sam@example.com"})

    assert caller.actor == "sam@example.com" and caller.team is None and caller.scope == "*"


def test_the_mentionwatch_team_claim_wins_over_the_cognito_one():
    caller = caller_from_claims({"sub": "abc", "custom:team": "care", "mentionwatch:team": "safety"})

    assert caller.team == "safety" and caller.scope == "safety"


def test_a_team_caller_is_held_to_its_team():
    caller = caller_from_claims({"sub": "abc", "custom:team": "care"})

    assert caller.team_filter(None) == "care"
    assert caller.team_filter("care") == "care"
    with pytest.raises(Forbidden) as raised:
        caller.team_filter("safety")
    assert raised.value.field == "team"
    assert caller.sees("care") and not caller.sees("safety")


def test_an_all_teams_caller_may_pick_a_team_or_none():
    caller = caller_from_claims({"sub": "abc"})

    assert caller.team_filter(None) is None
    assert caller.team_filter("safety") == "safety"
