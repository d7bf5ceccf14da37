"""The local stand-in for the JWT authorizer: protected routes need the bearer token, public ones do not."""

from __future__ import annotations

import json

import pytest

from mentionwatch.api.identity import caller_from_claims
from mentionwatch.local.auth import LocalJwtAuthorizer
from mentionwatch.local.stack import LocalStack
from mentionwatch.local.template import HttpRoute, Template, load_template
from tests.support import ROOT


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(load_template(ROOT / "template.yaml"))


def event(route: HttpRoute, headers: dict[str, str]) -> dict:
    return LocalStack.api_gateway_event(route, route.method, "/mentions", "", headers, b"", {})


MENTIONS = HttpRoute("ApiFunction", "GET", "/mentions")


def test_mention_routes_are_protected_and_webhooks_and_docs_are_public(template):
    authorizer = LocalJwtAuthorizer(template, "tok")

    assert authorizer.protects(MENTIONS)
    assert authorizer.protects(HttpRoute("ApiFunction", "PATCH", "/mentions/{id}"))
    assert not authorizer.protects(HttpRoute("WebhookFunction", "POST", "/webhooks/{source}"))
    assert not authorizer.protects(HttpRoute("ApiFunction", "GET", "/openapi.json"))


def test_a_missing_token_is_a_401_problem_naming_the_header(template):
    status, headers, body = LocalJwtAuthorizer(template, "tok").authorize(MENTIONS, event(MENTIONS, {}))

    assert status == 401 and headers["www-authenticate"].startswith("Bearer")
    assert json.loads(body)["error"]["field"] == "authorization"


@pytest.mark.parametrize("header", ["Bearer nope", "Basic tok", "tok", "Bearer "])
def test_a_wrong_token_is_refused(template, header):
    denial = LocalJwtAuthorizer(template, "tok").authorize(MENTIONS, event(MENTIONS, {"authorization": header}))

    assert denial is not None and denial[0] == 401


def test_the_right_token_adds_claims_like_api_gateway(template):
    request = event(MENTIONS, {"Authorization": "Bearer tok"})

    denial = LocalJwtAuthorizer(template, "tok", team="care").authorize(MENTIONS, request)

    assert denial is None
    claims = request["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "local-developer" and claims["mentionwatch:team"] == "care"
    assert "cognito:groups" not in claims
    assert caller_from_claims(claims).team == "care"


def test_the_default_local_caller_is_explicitly_an_all_teams_one(template):
    # Given the local authorizer without a team
    request = event(MENTIONS, {"Authorization": "Bearer tok"})

    # When a request with the right token passes it
    denial = LocalJwtAuthorizer(template, "tok").authorize(MENTIONS, request)

    # Then its claims carry the all-teams group the way API Gateway flattens array claims, and no team claim
    assert denial is None
    claims = request["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["cognito:groups"] == "[mentionwatch-all-teams]" and "mentionwatch:team" not in claims
    assert caller_from_claims(claims).team is None


def test_the_environment_team_makes_a_single_team_local_caller(template):
    authorizer = LocalJwtAuthorizer.from_environment(
        template, {"MENTIONWATCH_LOCAL_TOKEN": "tok", "MENTIONWATCH_LOCAL_TEAM": "customer-care"}
    )
    request = event(MENTIONS, {"Authorization": "Bearer tok"})

    assert authorizer.authorize(MENTIONS, request) is None
    caller = caller_from_claims(request["requestContext"]["authorizer"]["jwt"]["claims"])
    assert caller.team == "customer-care" and not caller.sees("social")


def test_a_token_is_generated_when_the_environment_has_none(template):
    authorizer = LocalJwtAuthorizer.from_environment(template, {})

    assert authorizer.generated and len(authorizer.token) >= 24
    assert authorizer.token in authorizer.banner("http://127.0.0.1:3000")


def test_the_environment_token_is_used_when_set(template):
    authorizer = LocalJwtAuthorizer.from_environment(template, {"MENTIONWATCH_LOCAL_TOKEN": "from-env"})

    assert authorizer.token == "from-env" and not authorizer.generated
