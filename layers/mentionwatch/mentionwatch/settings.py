"""Each function's configuration, read from its environment once at first use (see `wiring.py`)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Json, ValidationError

from mentionwatch.exceptions import ConfigurationError


class AnalyzerChoice(StrEnum):
    COMPREHEND = "comprehend"
    LOCAL = "local"
    HYBRID = "hybrid"  # local first; Comprehend only for unsure, other-language and high-stakes mentions


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _platform_endpoints(endpoints: dict[str, str]) -> dict[str, str]:
    """Each platform's replacement API host: an https origin, or plain http on loopback only (the local fakes),
    so a stray setting can never send a platform's credentials in the clear."""
    from mentionwatch.models import Platform

    known = {platform.value for platform in Platform}
    checked = {}
    for platform, url in endpoints.items():
        if platform not in known:
            raise ValueError(f"{platform!r} is not a platform; use one of {', '.join(p.value for p in Platform)}")
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"{platform}: {url!r} is not an http(s) URL without query or fragment")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ValueError(f"{platform}: {url!r} uses plain http on a host that is not loopback; use https")
        checked[platform] = url.rstrip("/")
    return checked


# JSON {"reddit": "http://127.0.0.1:8123", …}: platform API hosts replaced (the local stack's fake platforms).
PlatformEndpoints = Annotated[Json[dict[str, str]], AfterValidator(_platform_endpoints)]


class _Settings(BaseModel):
    # Each function reads one of these: the alerting, process and poller settings below are built only if used
    # (`defer_build`), so the webhook's cold start does not pay for them (README, "Performance").
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

    model_config = ConfigDict(defer_build=True)  # merged with _Settings' config; see there

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
    hybrid_threshold: Annotated[float, Field(alias="MENTIONWATCH_HYBRID_THRESHOLD", ge=0.0, le=1.0)] = 0.59
    # Triage rules, first that is set wins: an SSM parameter, a file, else packaged rules by name.
    rules_parameter: Annotated[str | None, Field(alias="MENTIONWATCH_RULES_PARAMETER")] = None
    rules_file: Annotated[Path | None, Field(alias="MENTIONWATCH_RULES_FILE")] = None
    rules_packaged: Annotated[str, Field(alias="MENTIONWATCH_RULES", pattern=r"^[a-z0-9_-]+$")] = "default"


class PollerSettings(_Settings):
    """The poller function: cursors in the table, mentions to the queue, what to watch from SSM or a file."""

    model_config = ConfigDict(defer_build=True)  # merged with _Settings' config; see there

    table_name: Annotated[str, Field(alias="MENTIONWATCH_TABLE", min_length=1)]
    queue_url: Annotated[str, Field(alias="MENTIONWATCH_QUEUE_URL", min_length=1)]
    secrets_id: Annotated[str | None, Field(alias="MENTIONWATCH_SECRETS_ID")] = None
    secrets_file: Annotated[Path | None, Field(alias="MENTIONWATCH_SECRETS_FILE")] = None
    watch_parameter: Annotated[str | None, Field(alias="MENTIONWATCH_WATCH_PARAMETER")] = None
    watch_file: Annotated[Path | None, Field(alias="MENTIONWATCH_WATCH_FILE")] = None
    # Local stack only: the pollers' platform hosts replaced by the fake platforms (unset: the real hosts).
    platform_endpoints: Annotated[PlatformEndpoints, Field(alias="MENTIONWATCH_PLATFORM_ENDPOINTS")] = {}


class AlertingSettings(AlertingOptions):
    """The acknowledge and scheduler functions."""

    table_name: Annotated[str, Field(alias="MENTIONWATCH_TABLE", min_length=1)]
    alerts_topic_arn: Annotated[str, Field(alias="MENTIONWATCH_ALERTS_TOPIC_ARN", min_length=1)]
    digest_topic_arn: Annotated[str | None, Field(alias="MENTIONWATCH_DIGEST_TOPIC_ARN")] = None
