"""Composition root: builds each function's domain objects from its settings, with real AWS clients.

Tests build the same objects with their own clients; handlers call these once per execution environment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from mentionwatch import aws
from mentionwatch.alerts.dispatch import AlertDispatcher
from mentionwatch.alerts.sns import SnsPublisher
from mentionwatch.config.loading import watch_from_file, watch_from_parameter
from mentionwatch.config.watch import WatchConfig
from mentionwatch.exceptions import ConfigurationError
from mentionwatch.pipeline.ingest import BrandMatcher
from mentionwatch.pipeline.process import MentionProcessor
from mentionwatch.pollers.cursors_dynamodb import DynamoDbCursorStore
from mentionwatch.pollers.http import HttpTransport, UrllibTransport
from mentionwatch.queue.sqs import MentionQueue
from mentionwatch.secrets.provider import FileSecretsProvider, SecretsManagerProvider, SecretsProvider
from mentionwatch.sentiment.base import SentimentAnalyzer
from mentionwatch.sentiment.local import LocalAnalyzer
from mentionwatch.settings import AnalyzerChoice, PollerSettings, ProcessSettings, WebhookSettings
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.triage.engine import RulesTriager, default_triager
from mentionwatch.triage.rules import load_rules_text, packaged_rules_text


def utc_clock() -> datetime:
    return datetime.now(UTC)


def secrets_provider(settings: WebhookSettings | PollerSettings) -> SecretsProvider:
    if settings.secrets_id:
        return SecretsManagerProvider(settings.secrets_id)
    if settings.secrets_file:
        return FileSecretsProvider(settings.secrets_file)
    raise ConfigurationError("set MENTIONWATCH_SECRETS_ID (deployed) or MENTIONWATCH_SECRETS_FILE (local)")


def brand_matcher(settings: WebhookSettings) -> BrandMatcher | None:
    """The watch configuration's brand matching, when the webhook function is given one."""
    if not (settings.watch_parameter or settings.watch_file):
        return None
    return lambda text, brand: watch_config(settings).match(text, brand)


def webhook_queue(settings: WebhookSettings | PollerSettings) -> MentionQueue:
    return MentionQueue(aws.client("sqs"), settings.queue_url)


def analyzer(settings: ProcessSettings) -> SentimentAnalyzer:
    local = LocalAnalyzer()
    if settings.analyzer is AnalyzerChoice.LOCAL:
        return local
    from mentionwatch.sentiment.comprehend import ComprehendAnalyzer

    return ComprehendAnalyzer(aws.client("comprehend"), fallback=local)


def idempotency_store(table_name: str) -> DynamoDBPersistenceLayer:
    """Idempotency records live in the mentions table, in their own partition, expiring with the table's TTL."""
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value="IDEMPOTENCY#alerts",
        expiry_attr="expiration",
        boto3_client=aws.client("dynamodb"),
    )


def rules_text(settings: ProcessSettings) -> str:
    """The triage rules the process function runs (README, "Triage rules")."""
    if settings.rules_parameter:
        from aws_lambda_powertools.utilities.parameters import get_parameter
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            return str(get_parameter(settings.rules_parameter, decrypt=True))
        except GetParameterError as err:
            raise ConfigurationError(
                f"the triage rules parameter {settings.rules_parameter} could not be read",
                field="MENTIONWATCH_RULES_PARAMETER",
            ) from err
    if settings.rules_file:
        return load_rules_text(settings.rules_file)
    return packaged_rules_text(settings.rules_packaged)


def triager(settings: ProcessSettings) -> RulesTriager:
    """Fails with `InvalidRules` naming the rule and field: the function refuses to run rather than mis-triage."""
    return default_triager(rules_text(settings))


def mention_processor(settings: ProcessSettings) -> MentionProcessor:
    store = MentionStore(aws.client("dynamodb"), settings.table_name)
    dispatcher = AlertDispatcher(
        SnsPublisher(aws.client("sns"), settings.alerts_topic_arn),
        idempotency_store(settings.table_name),
        clock=utc_clock,
    )
    return MentionProcessor(
        store=store,
        analyzer=analyzer(settings),
        triager=triager(settings),
        alerter=dispatcher,
        raw_ttl=timedelta(days=settings.raw_ttl_days),
        clock=utc_clock,
    )


# --- poller ----------------------------------------------------------------------------------------------
def http_transport() -> HttpTransport:
    return UrllibTransport()


def cursor_store(settings: PollerSettings) -> DynamoDbCursorStore:
    return DynamoDbCursorStore(aws.client("dynamodb"), settings.table_name)


def watch_config(settings: PollerSettings | WebhookSettings) -> WatchConfig:
    """Read on every invocation: Powertools caches the parameter for five minutes, so edits apply soon."""
    if settings.watch_parameter:
        return watch_from_parameter(settings.watch_parameter)
    if settings.watch_file:
        return watch_from_file(settings.watch_file)
    raise ConfigurationError("set MENTIONWATCH_WATCH_PARAMETER (deployed) or MENTIONWATCH_WATCH_FILE (local)")
