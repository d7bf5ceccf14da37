"""Who is calling: the JWT claims API Gateway's authorizer verified (the local stack adds the same shape)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import Forbidden, Unauthorized

# Claims that limit a caller to one team's mentions; the first present wins.
TEAM_CLAIMS = ("mentionwatch:team", "custom:team")
ALL_TEAMS = "*"


class Caller(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: Annotated[str, Field(min_length=1)]
    actor: Annotated[str, Field(min_length=1, max_length=256, description="Recorded in a mention's history")]
    team: Annotated[str | None, Field(description="Only this team's mentions; None = every team")] = None

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


def caller_from_claims(claims: Mapping[str, Any] | None) -> Caller:
    """No anonymous access: without a verified subject the request is refused with 401."""
    if not claims or not str(claims.get("sub") or "").strip():
        raise Unauthorized("a bearer token is required", field="authorization")
    subject = str(claims["sub"]).strip()
    actor = next(
        (str(claims[name]).strip() for name in ("email", "username", "cognito:username") if claims.get(name)),
        subject,
    )[:256]
    team = next((str(claims[name]).strip() for name in TEAM_CLAIMS if str(claims.get(name) or "").strip()), None)
    return Caller(subject=subject, actor=actor, team=team)
