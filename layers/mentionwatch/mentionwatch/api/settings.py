"""The API function's configuration, read from its environment once (see `api/wiring.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from mentionwatch.settings import _Settings


class ApiSettings(_Settings):
    table_name: Annotated[str, Field(alias="MENTIONWATCH_TABLE", min_length=1)]
    # Deployed: a generated Secrets Manager secret the cursor signing key is derived from.
    cursor_secret_id: Annotated[str | None, Field(alias="MENTIONWATCH_CURSOR_SECRET_ID")] = None
    # Local: the dev secrets file stands in for it.
    secrets_file: Annotated[Path | None, Field(alias="MENTIONWATCH_SECRETS_FILE")] = None
