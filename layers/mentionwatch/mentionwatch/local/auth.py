"""The local stand-in for API Gateway's JWT authorizer.

Deployed, API Gateway verifies a JWT before a protected route's function runs and hands the function the token's
claims in `requestContext.authorizer.jwt.claims`. Locally, routes the template protects (the HttpApi's
`DefaultAuthorizer`, unless the event says `Auth: Authorizer: NONE`) need `Authorization: Bearer <token>` with
the token from MENTIONWATCH_LOCAL_TOKEN (one is generated and printed when it is unset); a good token adds the
same claims shape. The local caller is explicitly an all-teams one (the Cognito group `mentionwatch-all-teams`,
in the "[a b]" string form API Gateway HTTP API gives array claims) unless MENTIONWATCH_LOCAL_TEAM is set: then
it carries that team as its `mentionwatch:team` claim and no group, a single-team caller.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from mentionwatch.api.identity import ALL_TEAMS_GROUP, GROUPS_CLAIM
from mentionwatch.local.template import HttpRoute, Template

TOKEN_VARIABLE = "MENTIONWATCH_LOCAL_TOKEN"  # noqa: S105 - the variable's name, not a token
TEAM_VARIABLE = "MENTIONWATCH_LOCAL_TEAM"
LOCAL_SUBJECT = "local-developer"

Denial = tuple[int, dict[str, str], bytes]


def _denial(message: str) -> Denial:
    body = {"error": {"code": "unauthorized", "message": message, "field": "authorization"}}
    return (
        401,
        {"content-type": "application/json", "www-authenticate": 'Bearer realm="mentionwatch-local"'},
        json.dumps(body).encode(),
    )


class LocalJwtAuthorizer:
    def __init__(self, template: Template, token: str, team: str | None = None, generated: bool = False) -> None:
        if not token:
            raise ValueError("the local token must not be empty")
        self.token = token
        self.generated = generated
        self.claims: dict[str, str] = {
            "sub": LOCAL_SUBJECT,
            "username": LOCAL_SUBJECT,
            "iss": "mentionwatch-local",
            "scope": "mentions",
        }
        if team:
            self.claims["mentionwatch:team"] = team
        else:
            self.claims[GROUPS_CLAIM] = f"[{ALL_TEAMS_GROUP}]"
        self._protected = _protected_routes(template)

    @classmethod
    def from_environment(
        cls, template: Template, environ: Mapping[str, str], token: str | None = None
    ) -> LocalJwtAuthorizer:
        chosen = token or environ.get(TOKEN_VARIABLE, "")
        generated = not chosen
        return cls(
            template,
            chosen or secrets.token_urlsafe(24),
            team=environ.get(TEAM_VARIABLE) or None,
            generated=generated,
        )

    def protects(self, route: HttpRoute) -> bool:
        return (route.method, route.path) in self._protected

    def authorize(self, route: HttpRoute, event: dict[str, Any]) -> Denial | None:
        """None (and the claims added to the event) when the route is public or the token is right."""
        if not self.protects(route):
            return None
        header = (event.get("headers") or {}).get("authorization", "")
        scheme, _, presented = header.partition(" ")
        if not header:
            return _denial("missing bearer token: send Authorization: Bearer $MENTIONWATCH_LOCAL_TOKEN")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), self.token.encode()):
            return _denial("invalid bearer token")
        event["requestContext"]["authorizer"] = {"jwt": {"claims": dict(self.claims), "scopes": None}}
        return None

    def banner(self, url: str) -> str:
        return (
            f"{TOKEN_VARIABLE} was unset; this run's token is {self.token}\n"
            f"  curl -H 'Authorization: Bearer {self.token}' {url}/mentions\n"
            f"  OpenAPI: {url}/openapi.json   docs: {url}/docs"
        )


def _protected_routes(template: Template) -> set[tuple[str, str]]:
    """(METHOD, path) of every HttpApi event whose API has a default authorizer it does not opt out of."""
    guarded_apis = {
        name
        for name, spec in template.of_type("AWS::Serverless::HttpApi").items()
        if (spec.get("Properties", {}).get("Auth") or {}).get("DefaultAuthorizer")
    }
    protected: set[tuple[str, str]] = set()
    for function in template.functions():
        for event in function.events.values():
            if event.get("Type") != "HttpApi":
                continue
            props = event.get("Properties", {})
            api = props.get("ApiId")
            api_name = api.get("Ref") if isinstance(api, dict) else None
            authorizer = (props.get("Auth") or {}).get("Authorizer")
            if api_name in guarded_apis and authorizer != "NONE":
                protected.add((str(props.get("Method", "ANY")).upper(), props["Path"]))
    return protected
