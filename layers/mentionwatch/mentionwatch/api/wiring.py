"""Composition root of the mentions API: real clients and the cursor key, built once per execution environment."""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from mentionwatch import aws
from mentionwatch.api.cursor import CursorSigner
from mentionwatch.api.incidents import IncidentsApi
from mentionwatch.api.replies import RepliesApi
from mentionwatch.api.service import MentionsApi
from mentionwatch.api.settings import ApiSettings
from mentionwatch.config.loading import watch_from_file, watch_from_parameter
from mentionwatch.exceptions import ConfigurationError, ReplyCredentialsRejected, SecretUnavailable, UnknownSource
from mentionwatch.models import Platform
from mentionwatch.models import utc_now as utc_clock
from mentionwatch.pollers.http import UrllibTransport
from mentionwatch.responses.dynamodb import ResponsesStore
from mentionwatch.responses.replies import Replies
from mentionwatch.secrets.provider import FileSecretsProvider, SecretsManagerProvider
from mentionwatch.store.alerts_dynamodb import AlertStore
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


def incidents_api(settings: ApiSettings) -> IncidentsApi:
    return IncidentsApi(AlertStore(aws.client("dynamodb"), settings.table_name), clock=utc_clock)


def replies_api(settings: ApiSettings) -> RepliesApi:
    """Replies read the brand accounts from the watch configuration and each account's credentials from the reply
    secret (`{"reply:<platform>:<account>": {...}}`; locally the dev secrets file)."""
    client = aws.client("dynamodb")
    store = MentionStore(client, settings.table_name)
    secrets: FileSecretsProvider | SecretsManagerProvider
    if settings.reply_secrets_id:
        secrets = SecretsManagerProvider(
            settings.reply_secrets_id, SecretsProvider(boto3_client=aws.client("secretsmanager"))
        )
    elif settings.secrets_file:
        secrets = FileSecretsProvider(settings.secrets_file)
    else:
        raise ConfigurationError("set MENTIONWATCH_REPLY_SECRETS_ID (deployed) or MENTIONWATCH_SECRETS_FILE (local)")

    def account(brand: str, platform: Platform) -> str | None:
        if settings.watch_parameter:
            config = watch_from_parameter(settings.watch_parameter)
        elif settings.watch_file:
            config = watch_from_file(settings.watch_file)
        else:
            return None
        found = next((b for b in config.brands if b.name == brand), None)
        accounts: tuple[str, ...] = getattr(found.accounts, platform.value, ()) if found else ()
        return accounts[0] if accounts else None

    def credentials(platform: Platform, account_id: str) -> Mapping[str, str]:
        try:
            return secrets.for_source(f"reply:{platform.value}:{account_id}")
        except UnknownSource:
            raise ReplyCredentialsRejected(
                f"no credentials are stored for {platform.value} account {account_id} "
                f"(reply:{platform.value}:{account_id} in the reply credentials secret)",
                field="account",
            ) from None

    replies = Replies(
        mentions=store,
        ledger=ResponsesStore(client, settings.table_name),
        accounts=account,
        credentials=credentials,
        http=UrllibTransport(),
        clock=utc_clock,
        base_urls=settings.platform_endpoints,
        approval_teams=settings.approval_teams,
    )
    return RepliesApi(store, replies)
