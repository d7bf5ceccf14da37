"""Adapter: where the watch configuration text comes from (an SSM parameter via Powertools, or a file)."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from mentionwatch.config.watch import WatchConfig, load_watch_config
from mentionwatch.exceptions import ConfigurationError

DEFAULT_MAX_AGE_SECONDS = 300


def watch_from_file(path: Path) -> WatchConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigurationError(f"cannot read the watch configuration {path}: {err.strerror}") from None
    return load_watch_config(text)


def _shared_ssm() -> Any:
    """One provider per SSM client (so per execution environment): Powertools caches values per provider."""
    from mentionwatch import aws

    return _provider_for(aws.client("ssm"))


@cache
def _provider_for(client: Any) -> Any:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    return SSMProvider(boto3_client=client)


@lru_cache(maxsize=8)
def _parsed(text: str) -> WatchConfig:
    return load_watch_config(text)


def watch_from_parameter(name: str, provider: Any = None, max_age: int = DEFAULT_MAX_AGE_SECONDS) -> WatchConfig:
    """The SSM parameter's value (cached by Powertools for `max_age` seconds), parsed and validated once per text."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    ssm = provider or _shared_ssm()
    try:
        text = ssm.get(name, max_age=max_age)
    except GetParameterError as err:
        raise ConfigurationError(f"the watch configuration parameter {name} could not be read") from err
    return _parsed(str(text))
