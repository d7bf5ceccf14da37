"""Each function's configuration, read from its environment once at first use (see `wiring.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mentionwatch.exceptions import ConfigurationError


class AnalyzerChoice(StrEnum):
    COMPREHEND = "comprehend"
    LOCAL = "local"
    HYBRID = "hybrid"  # local first; Comprehend only for unsure, other-language and high-stakes mentions


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Self:
        try:
            return cls.model_validate(dict(environ))
        except ValidationError as err:
            first = err.errors()[0]
            name = ".".join(str(part) for part in first["loc"])
            raise ConfigurationError(f"environment variable {name}: {first['msg']}", field=name) from None


class WebhookSettings(_Settings):
    queue_url: Annotated[str, Field(alias="MENTIONWATCH_QUEUE_URL", min_length=1)]
    secrets_id: Annotated[str | None, Field(alias="MENTIONWATCH_SECRETS_ID")] = None
    secrets_file: Annotated[Path | None, Field(alias="MENTIONWATCH_SECRETS_FILE")] = None
    # Optional: tags webhook mentions that name no brand with the watched brand their text mentions.
    watch_parameter: Annotated[str | None, Field(alias="MENTIONWATCH_WATCH_PARAMETER")] = None
    watch_file: Annotated[Path | None, Field(alias="MENTIONWATCH_WATCH_FILE")] = None
    # Signed deliveries the parser refuses are kept here for replay (pipeline/kept.py), for the raw payload TTL.
    table_name: Annotated[str | None, Field(alias="MENTIONWATCH_TABLE", min_length=1)] = None
    raw_ttl_days: Annotated[int, Field(alias="MENTIONWATCH_RAW_TTL_DAYS", ge=1, le=3650)] = 30


class AlertingOptions(_Settings):
    """What on-call alerting needs beside the table and topic (all optional: without a base URL and a signing
    key alerts carry no acknowledge link; without a policy source the packaged escalation.yaml applies)."""

    public_base_url: Annotated[str | None, Field(alias="MENTIONWATCH_PUBLIC_BASE_URL", pattern=r"^https?://\S+$")] = (
        None
    )
    ack_secret_id: Annotated[str | None, Field(alias="MENTIONWATCH_ACK_SECRET_ID")] = None
    ack_key: Annotated[str | None, Field(alias="MENTIONWATCH_ACK_KEY", min_length=16)] = None
    escalation_parameter: Annotated[str | None, Field(alias="MENTIONWATCH_ESCALATION_PARAMETER")] = None
    escalation_file: Annotated[Path | None, Field(alias="MENTIONWATCH_ESCALATION_FILE")] = None


class ProcessSettings(AlertingOptions):
    table_name: Annotated[str, Field(alias="MENTIONWATCH_TABLE", min_length=1)]
    alerts_topic_arn: Annotated[str, Field(alias="MENTIONWATCH_ALERTS_TOPIC_ARN", min_length=1)]
    analyzer: Annotated[AnalyzerChoice, Field(alias="MENTIONWATCH_ANALYZER")] = AnalyzerChoice.COMPREHEND
    raw_ttl_days: Annotated[int, Field(alias="MENTIONWATCH_RAW_TTL_DAYS", ge=1, le=3650)] = 30
    # hybrid: the local analyzer's top probability below this goes to Comprehend (README, "Performance").
    hybrid_threshold: Annotated[float, Field(alias="MENTIONWATCH_HYBRID_THRESHOLD", ge=0.0, le=1.0)] = 0.64
    # Triage rules, first that is set wins: an SSM parameter, a file, else packaged rules by name.
    rules_parameter: Annotated[str | None, Field(alias="MENTIONWATCH_RULES_PARAMETER")] = None
    rules_file: Annotated[Path | None, Field(alias="MENTIONWATCH_RULES_FILE")] = None
    rules_packaged: Annotated[str, Field(alias="MENTIONWATCH_RULES", pattern=r"^[a-z0-9_-]+$")] = "default"


class PollerSettings(_Settings):
    """The poller function: cursors in the table, mentions to the queue, what to watch from SSM or a file."""

    table_name: Annotated[str, Field(alias="MENTIONWATCH_TABLE", min_length=1)]
    queue_url: Annotated[str, Field(alias="MENTIONWATCH_QUEUE_URL", min_length=1)]
    secrets_id: Annotated[str | None, Field(alias="MENTIONWATCH_SECRETS_ID")] = None
    secrets_file: Annotated[Path | None, Field(alias="MENTIONWATCH_SECRETS_FILE")] = None
    watch_parameter: Annotated[str | None, Field(alias="MENTIONWATCH_WATCH_PARAMETER")] = None
    watch_file: Annotated[Path | None, Field(alias="MENTIONWATCH_WATCH_FILE")] = None


class AlertingSettings(AlertingOptions):
    """The acknowledge and scheduler functions."""

    table_name: Annotated[str, Field(alias="MENTIONWATCH_TABLE", min_length=1)]
    alerts_topic_arn: Annotated[str, Field(alias="MENTIONWATCH_ALERTS_TOPIC_ARN", min_length=1)]
    digest_topic_arn: Annotated[str | None, Field(alias="MENTIONWATCH_DIGEST_TOPIC_ARN")] = None
