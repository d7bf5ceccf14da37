"""Who is calling: the JWT claims API Gateway's authorizer verified (the local stack adds the same shape).

Access is fail-closed. A token reaches mention data only when it says which team it may see, or says explicitly
that it may see every team:

- a team: the `mentionwatch:team` claim (external IdPs), the `custom:team` claim (Cognito ID tokens) or one
  Cognito group `team:<name>` in `cognito:groups` (groups are in Cognito ID *and* access tokens, custom
  attributes only in ID tokens);
- every team: the Cognito group `mentionwatch-all-teams`, or `mentionwatch:team` = `*` (external IdPs).

A token that names no team and holds no all-teams grant (e.g. a Cognito access token of a user with only the
`custom:team` attribute) is refused with 403, as is one whose sources disagree (two different teams, or a team
and the all-teams grant): the API never guesses which of them was meant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import Forbidden, Unauthorized

# Claims that limit a caller to one team's mentions.
TEAM_CLAIMS = ("mentionwatch:team", "custom:team")
# `mentionwatch:team` with this value grants every team (external IdPs); it is also the all-teams cursor scope.
ALL_TEAMS = "*"
GROUPS_CLAIM = "cognito:groups"
ALL_TEAMS_GROUP = "mentionwatch-all-teams"
TEAM_GROUP_PREFIX = "team:"
MAX_TEAM_LENGTH = 64


class Caller(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: Annotated[str, Field(min_length=1)]
    actor: Annotated[str, Field(min_length=1, max_length=256, description="Recorded in a mention's history")]
    team: Annotated[
        str | None,
        Field(description="Only this team's mentions; None = every team (only from an explicit all-teams grant)"),
    ]

    @property
    def scope(self) -> str:
        return self.team or ALL_TEAMS

    def sees(self, team: str) -> bool:
        return self.team is None or self.team == team

    def team_filter(self, requested: str | None) -> str | None:
        """The team a query is limited to: the caller's own, or the requested one for an all-teams caller."""
        if self.team is None:
            return requested
        if requested is not None and requested != self.team:
            raise Forbidden(f"you may only read team {self.team!r}", field="team")
        return self.team


def groups_of(claims: Mapping[str, Any]) -> list[str]:
    """`cognito:groups` as a list: a JSON array, or the "[a b]" string API Gateway HTTP API flattens arrays to."""
    value = claims.get(GROUPS_CLAIM)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(group).strip() for group in value if str(group).strip()]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(group).strip() for group in parsed if str(group).strip()]
        text = text[1:-1] if text.endswith("]") else text[1:]
    # Cognito group names cannot contain whitespace, so whitespace separates them.
    return text.split()


def _scopes(claims: Mapping[str, Any]) -> set[str]:
    """Every scope the token names: team names, and ALL_TEAMS for an explicit all-teams grant."""
    scopes: set[str] = set()
    for name in TEAM_CLAIMS:
        value = str(claims.get(name) or "").strip()
        if value:
            scopes.add(ALL_TEAMS if value == ALL_TEAMS and name == "mentionwatch:team" else _team(value, name))
    for group in groups_of(claims):
        if group == ALL_TEAMS_GROUP:
            scopes.add(ALL_TEAMS)
        elif group.startswith(TEAM_GROUP_PREFIX):
            scopes.add(_team(group.removeprefix(TEAM_GROUP_PREFIX), f"{GROUPS_CLAIM} {group!r}"))
    return scopes


def _team(value: str, source: str) -> str:
    team = value.strip()
    if not team or len(team) > MAX_TEAM_LENGTH or team == ALL_TEAMS or "#" in team or any(c.isspace() for c in team):
        raise Forbidden(f"the token's team ({source}) is not a valid team name", field="authorization")
    return team


def caller_from_claims(claims: Mapping[str, Any] | None) -> Caller:
    """No anonymous access (401 without a verified subject) and no implicit all-teams access (403)."""
    if not claims or not str(claims.get("sub") or "").strip():
        raise Unauthorized("a bearer token is required", field="authorization")
    subject = str(claims["sub"]).strip()
    actor = next(
        (str(claims[name]).strip() for name in ("email", "username", "cognito:username") if claims.get(name)),
        subject,
    )[:256]
    scopes = _scopes(claims)
    if not scopes:
        raise Forbidden(
            "the token grants no team: it needs a team claim (mentionwatch:team or custom:team), a Cognito group "
            f"'{TEAM_GROUP_PREFIX}<team>' or the all-teams group '{ALL_TEAMS_GROUP}'",
            field="authorization",
        )
    if len(scopes) > 1:
        named = ", ".join(sorted("all teams" if scope == ALL_TEAMS else repr(scope) for scope in scopes))
        raise Forbidden(f"the token's team grants disagree ({named}); it must grant exactly one", field="authorization")
    (scope,) = scopes
    return Caller(subject=subject, actor=actor, team=None if scope == ALL_TEAMS else scope)
