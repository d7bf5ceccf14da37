"""The API function's configuration, read from its environment once (see `api/wiring.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from mentionwatch.settings import PlatformEndpoints, _Settings


class ApiSettings(_Settings):
    table_name: Annotated[str, Field(alias="MENTIONWATCH_TABLE", min_length=1)]
    # Deployed: a generated Secrets Manager secret the cursor signing key is derived from.
    cursor_secret_id: Annotated[str | None, Field(alias="MENTIONWATCH_CURSOR_SECRET_ID")] = None
    # Local: the dev secrets file stands in for it.
    secrets_file: Annotated[Path | None, Field(alias="MENTIONWATCH_SECRETS_FILE")] = None

    # Replies (issue 11): the brand accounts to answer from, and each account's credentials.
    watch_parameter: Annotated[str | None, Field(alias="MENTIONWATCH_WATCH_PARAMETER")] = None
    watch_file: Annotated[Path | None, Field(alias="MENTIONWATCH_WATCH_FILE")] = None
    reply_secrets_id: Annotated[str | None, Field(alias="MENTIONWATCH_REPLY_SECRETS_ID")] = None
    # Teams whose replies need a second person's approval (four eyes), comma-separated.
    reply_approval_teams: Annotated[str, Field(alias="MENTIONWATCH_REPLY_APPROVAL_TEAMS")] = ""
    # Local stack only: platform API hosts replaced by the fake platforms, JSON {"x": "http://127.0.0.1:…"}; checked
    # as the poller's are (https, or plain http on loopback), since replies carry the brand's credentials.
    platform_endpoints: Annotated[PlatformEndpoints, Field(alias="MENTIONWATCH_PLATFORM_ENDPOINTS")] = {}

    @property
    def approval_teams(self) -> frozenset[str]:
        return frozenset(team.strip() for team in self.reply_approval_teams.split(",") if team.strip())
