"""Composition root of the mentions API: real clients and the cursor key, built once per execution environment."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from mentionwatch import aws
from mentionwatch.api.cursor import CursorSigner
from mentionwatch.api.service import MentionsApi
from mentionwatch.api.settings import ApiSettings
from mentionwatch.exceptions import ConfigurationError, SecretUnavailable
from mentionwatch.models import utc_now as utc_clock
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.queries_dynamodb import DynamoMentionQueries

SECRET_MAX_AGE_SECONDS = 3600


def cursor_secret(settings: ApiSettings) -> str:
    if settings.cursor_secret_id:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            value = SecretsProvider(boto3_client=aws.client("secretsmanager")).get(
                settings.cursor_secret_id, max_age=SECRET_MAX_AGE_SECONDS
            )
        except GetParameterError as err:
            raise SecretUnavailable("cannot read the cursor secret (MENTIONWATCH_CURSOR_SECRET_ID)") from err
        return str(value)
    if settings.secrets_file:
        try:
            return settings.secrets_file.read_text(encoding="utf-8")
        except OSError as err:
            raise SecretUnavailable(f"cannot read the secrets file {settings.secrets_file}: {err.strerror}") from None
    raise ConfigurationError("set MENTIONWATCH_CURSOR_SECRET_ID (deployed) or MENTIONWATCH_SECRETS_FILE (local)")


def mentions_api(settings: ApiSettings) -> MentionsApi:
    client = aws.client("dynamodb")
    return MentionsApi(
        reader=DynamoMentionQueries(client, settings.table_name),
        writer=MentionStore(client, settings.table_name),
        signer=CursorSigner.from_secret(cursor_secret(settings), clock=utc_clock),
        clock=utc_clock,
    )
