"""Where a source's secrets come from. Both providers return `{source name: {secret name: value}}` lookups."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from pydantic import RootModel, ValidationError

from mentionwatch.exceptions import SecretsUnreachable, SecretUnavailable, UnknownSource

DEFAULT_MAX_AGE_SECONDS = 300


class AllSourceSecrets(RootModel[dict[str, dict[str, str]]]):
    """`{"standard": {"signing_secret": "whsec_…"}, "x": {"consumer_secret": "…"}}`."""


class SecretsProvider(Protocol):
    def for_source(self, source: str) -> Mapping[str, str]:
        """The source's secrets; raises `UnknownSource` when the source is not configured."""
        ...


def parse_secrets(text: str, origin: str) -> AllSourceSecrets:
    try:
        return AllSourceSecrets.model_validate_json(text)
    except ValidationError as err:
        # Name the place, never the values.
        location = ".".join(str(part) for part in err.errors()[0]["loc"]) or "(top level)"
        raise SecretUnavailable(
            f"secrets in {origin} must be a JSON object of objects of strings; problem at {location}"
        ) from None


def _lookup(secrets: AllSourceSecrets, source: str) -> Mapping[str, str]:
    values = secrets.root.get(source)
    if not values:
        raise UnknownSource(f"source {source!r} is not configured", field="source")
    return values


class FileSecretsProvider:
    """Local development: the file named by MENTIONWATCH_SECRETS_FILE (events/dev-secrets.json by default).

    Re-read whenever the file's modification time or size changes, so an edited file applies to the next
    delivery without restarting the local stack.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._secrets: AllSourceSecrets | None = None
        self._stamp: tuple[int, int] | None = None

    def _current(self) -> AllSourceSecrets:
        try:
            status = self._path.stat()
            stamp = (status.st_mtime_ns, status.st_size)
            if self._secrets is None or stamp != self._stamp:
                text = self._path.read_text(encoding="utf-8")
                self._secrets, self._stamp = parse_secrets(text, str(self._path)), stamp
        except OSError as err:
            raise SecretUnavailable(f"cannot read the secrets file {self._path}: {err.strerror}") from None
        return self._secrets

    def for_source(self, source: str) -> Mapping[str, str]:
        return _lookup(self._current(), source)


class SecretsManagerProvider:
    """Deployed: one Secrets Manager secret holding every source's secrets, read with Powertools and cached."""

    def __init__(self, secret_id: str, provider: object | None = None, max_age: int = DEFAULT_MAX_AGE_SECONDS) -> None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider as PowertoolsSecrets

        self._secret_id = secret_id
        self._provider = provider or PowertoolsSecrets()
        self._max_age = max_age

    def for_source(self, source: str) -> Mapping[str, str]:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            text = self._provider.get(self._secret_id, max_age=self._max_age)  # type: ignore[attr-defined]
        except GetParameterError as err:
            raise SecretsUnreachable("the webhook secrets could not be read from Secrets Manager just now") from err
        return _lookup(parse_secrets(str(text), "Secrets Manager"), source)
