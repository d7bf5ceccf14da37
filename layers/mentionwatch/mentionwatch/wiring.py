"""Composition root: builds each function's domain objects from its settings, with real AWS clients.

Tests build the same objects with their own clients; handlers call these once per execution environment.
Imports are inside the builders: each handler loads only what its own route needs (a webhook's cold start pays
for neither the triage rules nor the alerting code nor a DynamoDB client).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.exceptions import OrphanedChildLoggerError

from mentionwatch import aws
from mentionwatch.exceptions import AdapterError, ConfigurationError
from mentionwatch.settings import AnalyzerChoice

if TYPE_CHECKING:
    from mentionwatch.alerts.ack import AckSigner
    from mentionwatch.alerts.acknowledge import Acknowledger
    from mentionwatch.alerts.digest import DigestJob
    from mentionwatch.alerts.dispatch import AlertDispatcher
    from mentionwatch.alerts.policy import EscalationConfig
    from mentionwatch.alerts.sla import EscalationJob
    from mentionwatch.alerts.spike import SpikeJob
    from mentionwatch.config.watch import WatchConfig
    from mentionwatch.models import Match, TriagedMention
    from mentionwatch.pipeline.ingest import BrandMatcher, BrandPostTagger, KeepRefused
    from mentionwatch.pipeline.process import MentionProcessor, UrgentPager
    from mentionwatch.pollers.cursors_dynamodb import DynamoDbCursorStore
    from mentionwatch.pollers.http import HttpTransport
    from mentionwatch.queue.sqs import MentionQueue
    from mentionwatch.secrets.provider import SecretsProvider
    from mentionwatch.sentiment.base import SentimentAnalyzer
    from mentionwatch.settings import (
        AlertingOptions,
        AlertingSettings,
        PollerSettings,
        ProcessSettings,
        WebhookSettings,
    )
    from mentionwatch.sources.base import QueuedMention
    from mentionwatch.store.dynamodb import MentionStore
    from mentionwatch.triage.engine import RulesTriager

logger = Logger(child=True)


def utc_clock() -> datetime:
    return datetime.now(UTC)


def secrets_provider(settings: WebhookSettings | PollerSettings) -> SecretsProvider:
    from mentionwatch.secrets.provider import FileSecretsProvider, SecretsManagerProvider

    if settings.secrets_id:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider as PowertoolsSecrets

        return SecretsManagerProvider(settings.secrets_id, PowertoolsSecrets(boto3_client=aws.client("secretsmanager")))
    if settings.secrets_file:
        return FileSecretsProvider(settings.secrets_file)
    raise ConfigurationError("set MENTIONWATCH_SECRETS_ID (deployed) or MENTIONWATCH_SECRETS_FILE (local)")


def brand_matcher(settings: WebhookSettings) -> BrandMatcher | None:
    """The watch configuration's brand matching, when the webhook function is given one.

    Tagging is a convenience: when the configuration cannot be read or is invalid, mentions keep the brand they
    came with rather than the delivery failing.
    """
    if not (settings.watch_parameter or settings.watch_file):
        return None

    def match(text: str, brand: str | None) -> Match | None:
        try:
            return watch_config(settings).match(text, brand)
        except (ConfigurationError, AdapterError) as err:
            logger.warning("watch configuration unavailable; mention not tagged", extra={"error": err.message})
            return None

    return match


def current_correlation_id() -> str | None:
    """The correlation id the handler's Powertools Logger carries now (None outside a handler)."""
    try:
        return logger.get_correlation_id()
    except (IndexError, AttributeError, OrphanedChildLoggerError):  # no handler Logger (CLI, tests): nothing to carry
        return None


def brand_post_tagger(settings: WebhookSettings) -> BrandPostTagger | None:
    """Marks posts by the brand's own accounts (watch configuration `brands[].accounts`), when the webhook function
    is given a configuration; X still marks the subscribed account's own posts without one."""
    if not (settings.watch_parameter or settings.watch_file):
        return None
    from mentionwatch.responses.recognise import tag_brand_post

    def tag(item: QueuedMention) -> QueuedMention:
        try:
            return tag_brand_post(item, watch_config(settings))
        except ConfigurationError as err:
            # An unreadable parameter (AdapterError) fails the delivery instead: the platform retries it later
            # rather than the brand's own reply being stored, triaged and paged as a mention.
            logger.warning("watch configuration invalid; brand posts not recognised", extra={"error": err.message})
            return item

    return tag


def webhook_queue(settings: WebhookSettings | PollerSettings) -> MentionQueue:
    from mentionwatch.queue.sqs import MentionQueue

    return MentionQueue(aws.client("sqs"), settings.queue_url, correlation_id=current_correlation_id)


def keep_refused(settings: WebhookSettings) -> KeepRefused | None:
    """Where signed deliveries the parser refuses are kept (none without a table: they are then answered 400)."""
    from mentionwatch.pipeline.ingest import KeepRefused

    if not settings.table_name:
        return None
    from mentionwatch.store.kept_dynamodb import DynamoDbKeptDeliveries

    store = DynamoDbKeptDeliveries(aws.client("dynamodb"), settings.table_name)
    return KeepRefused(store=store, keep_for=timedelta(days=settings.raw_ttl_days))


def analyzer(settings: ProcessSettings) -> SentimentAnalyzer:
    """local; comprehend (scores cached by text); hybrid: local first, Comprehend only where it pays (README)."""
    from mentionwatch.sentiment.local import LocalAnalyzer

    local = LocalAnalyzer()
    if settings.analyzer is AnalyzerChoice.LOCAL:
        return local
    from mentionwatch.sentiment.cache import CachedAnalyzer
    from mentionwatch.sentiment.comprehend import ComprehendAnalyzer
    from mentionwatch.sentiment.hybrid import HybridAnalyzer, LanguageFilling
    from mentionwatch.store.scores_dynamodb import DynamoScoreStore

    detector = getattr(local, "detect_language", None)  # the local language detector, where the analyzer has one
    remote = ComprehendAnalyzer(aws.client("comprehend"), fallback=local)
    cached = CachedAnalyzer(remote, DynamoScoreStore(aws.client("dynamodb"), settings.table_name, utc_clock))
    if settings.analyzer is AnalyzerChoice.COMPREHEND:
        return LanguageFilling(cached, detector)
    return HybridAnalyzer(local, cached, threshold=settings.hybrid_threshold, detect_language=detector)


def escalation_config(settings: AlertingOptions) -> EscalationConfig:
    """The SSM parameter if one is named, else the file, else the packaged default; validated at start."""
    from mentionwatch.alerts.policy import default_config, parse_config

    if settings.escalation_parameter:
        from aws_lambda_powertools.utilities.parameters import SSMProvider
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            text = SSMProvider(boto3_client=aws.client("ssm")).get(settings.escalation_parameter, max_age=300)
        except GetParameterError as err:
            raise ConfigurationError(
                f"cannot read the escalation policy parameter {settings.escalation_parameter}",
                field="MENTIONWATCH_ESCALATION_PARAMETER",
            ) from err
        return parse_config(str(text), f"SSM parameter {settings.escalation_parameter}")
    if settings.escalation_file:
        try:
            text = settings.escalation_file.read_text(encoding="utf-8")
        except OSError as err:
            raise ConfigurationError(
                f"cannot read the escalation policy file {settings.escalation_file}: {err.strerror}",
                field="MENTIONWATCH_ESCALATION_FILE",
            ) from None
        return parse_config(text, str(settings.escalation_file))
    return default_config()


def ack_signer(settings: AlertingOptions, config: EscalationConfig) -> AckSigner | None:
    from mentionwatch.alerts.ack import AckSigner

    lifetime = timedelta(hours=config.ack_link_hours)
    if settings.ack_key:
        return AckSigner(settings.ack_key, lifetime)
    if settings.ack_secret_id:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider as PowertoolsSecrets
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            key = PowertoolsSecrets(boto3_client=aws.client("secretsmanager")).get(settings.ack_secret_id, max_age=300)
        except GetParameterError as err:
            raise ConfigurationError("the acknowledge signing key could not be read", field="ack_secret_id") from err
        return AckSigner(str(key), lifetime)
    return None


def alert_dispatcher(settings: AlertingOptions, table_name: str, topic_arn: str) -> AlertDispatcher:
    from mentionwatch.alerts.dispatch import AlertDispatcher
    from mentionwatch.alerts.sns import SnsPublisher
    from mentionwatch.store.alerts_dynamodb import AlertStore

    config = escalation_config(settings)
    return AlertDispatcher(
        SnsPublisher(aws.client("sns"), topic_arn),
        AlertStore(aws.client("dynamodb"), table_name),
        config,
        clock=utc_clock,
        signer=ack_signer(settings, config),
        public_base_url=settings.public_base_url,
    )


def rules_text(settings: ProcessSettings) -> str:
    """The triage rules the process function runs (README, "Triage rules")."""
    from mentionwatch.triage.rules import load_rules_text, packaged_rules_text

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
    from mentionwatch.triage.engine import default_triager

    return default_triager(rules_text(settings))


def mention_processor(settings: ProcessSettings) -> MentionProcessor:
    from mentionwatch.alerts.oncall import OnCall
    from mentionwatch.alerts.spike import SpikeJob
    from mentionwatch.pipeline.process import MentionProcessor
    from mentionwatch.responses.dynamodb import ResponsesStore
    from mentionwatch.responses.recording import BrandPostRecorder
    from mentionwatch.store.alerts_dynamodb import AlertStore
    from mentionwatch.store.dynamodb import MentionStore
    from mentionwatch.store.urls_dynamodb import UrlClaims

    store = MentionStore(aws.client("dynamodb"), settings.table_name)
    config = escalation_config(settings)
    dispatcher = alert_dispatcher(settings, settings.table_name, settings.alerts_topic_arn)
    alerts = AlertStore(aws.client("dynamodb"), settings.table_name)
    oncall = OnCall(dispatcher, alerts, store, config, utc_clock)
    spikes = SpikeJob(
        dispatcher,
        alerts,
        store,
        config.spike,
        utc_clock,
        team=config.crisis_team,
        sla_minutes=config.default_sla_minutes,
        incidents=oncall.incidents,
    )
    oncall.check_spikes_with(spikes.check)
    return MentionProcessor(
        store=store,
        analyzer=analyzer(settings),
        triager=triager(settings),
        alerter=oncall,
        raw_ttl=timedelta(days=settings.raw_ttl_days),
        clock=utc_clock,
        brand_posts=BrandPostRecorder(store, ResponsesStore(aws.client("dynamodb"), settings.table_name), utc_clock),
        urls=UrlClaims(aws.client("dynamodb"), settings.table_name),
    )


# --- poller ----------------------------------------------------------------------------------------------
def http_transport() -> HttpTransport:
    from mentionwatch.pollers.http import UrllibTransport

    return UrllibTransport()


def cursor_store(settings: PollerSettings) -> DynamoDbCursorStore:
    from mentionwatch.pollers.cursors_dynamodb import DynamoDbCursorStore

    return DynamoDbCursorStore(aws.client("dynamodb"), settings.table_name)


def watch_config(settings: PollerSettings | WebhookSettings) -> WatchConfig:
    """Read on every invocation: Powertools caches the parameter for five minutes, so edits apply soon."""
    from mentionwatch.config.loading import watch_from_file, watch_from_parameter

    if settings.watch_parameter:
        return watch_from_parameter(settings.watch_parameter)
    if settings.watch_file:
        return watch_from_file(settings.watch_file)
    raise ConfigurationError("set MENTIONWATCH_WATCH_PARAMETER (deployed) or MENTIONWATCH_WATCH_FILE (local)")


def acknowledger(settings: AlertingSettings) -> Acknowledger:
    from mentionwatch.alerts.acknowledge import Acknowledger
    from mentionwatch.store.alerts_dynamodb import AlertStore
    from mentionwatch.store.dynamodb import MentionStore

    signer = ack_signer(settings, escalation_config(settings))
    if signer is None:
        raise ConfigurationError(
            "set MENTIONWATCH_ACK_SECRET_ID (deployed) or MENTIONWATCH_ACK_KEY (local) to verify acknowledge links"
        )
    return Acknowledger(
        signer,
        AlertStore(aws.client("dynamodb"), settings.table_name),
        MentionStore(aws.client("dynamodb"), settings.table_name),
        utc_clock,
    )


def escalation_job(settings: AlertingSettings) -> EscalationJob:
    from mentionwatch.alerts.sla import EscalationJob
    from mentionwatch.store.alerts_dynamodb import AlertStore
    from mentionwatch.store.dynamodb import MentionStore

    config = escalation_config(settings)
    return EscalationJob(
        alert_dispatcher(settings, settings.table_name, settings.alerts_topic_arn),
        AlertStore(aws.client("dynamodb"), settings.table_name),
        MentionStore(aws.client("dynamodb"), settings.table_name),
        config,
        utc_clock,
    )


def urgent_pager(settings: AlertingSettings) -> UrgentPager:
    """Pages urgent mentions whose page was never recorded (the escalation job's unpaged sweep)."""
    from mentionwatch.alerts.oncall import OnCall
    from mentionwatch.pipeline.process import UrgentPager
    from mentionwatch.store.alerts_dynamodb import AlertStore
    from mentionwatch.store.dynamodb import MentionStore

    store = MentionStore(aws.client("dynamodb"), settings.table_name)
    config = escalation_config(settings)
    dispatcher = alert_dispatcher(settings, settings.table_name, settings.alerts_topic_arn)
    oncall = OnCall(dispatcher, AlertStore(aws.client("dynamodb"), settings.table_name), store, config, utc_clock)
    return UrgentPager(store, oncall, utc_clock)


def triaged_reader(mentions: MentionStore) -> Callable[[str], TriagedMention | None]:
    def read(mention_id: str) -> TriagedMention | None:
        item = mentions.get(mention_id)
        return item.to_triaged() if item is not None else None

    return read


def spike_job(settings: AlertingSettings) -> SpikeJob:
    """Spikes are signals of incidents (alerts/incidents.py): a thread's, or the brand's."""
    from mentionwatch.alerts.incidents import IncidentDesk
    from mentionwatch.alerts.spike import SpikeJob
    from mentionwatch.store.alerts_dynamodb import AlertStore
    from mentionwatch.store.dynamodb import MentionStore

    config = escalation_config(settings)
    dispatcher = alert_dispatcher(settings, settings.table_name, settings.alerts_topic_arn)
    alerts = AlertStore(aws.client("dynamodb"), settings.table_name)
    mentions = MentionStore(aws.client("dynamodb"), settings.table_name)
    return SpikeJob(
        dispatcher,
        alerts,
        mentions,
        config.spike,
        utc_clock,
        team=config.crisis_team,
        sla_minutes=config.default_sla_minutes,
        incidents=IncidentDesk(alerts, dispatcher, config, utc_clock, root_lookup=triaged_reader(mentions)),
    )


def digest_job(settings: AlertingSettings) -> DigestJob:
    from mentionwatch.alerts.digest import DigestJob
    from mentionwatch.alerts.sns import SnsPublisher
    from mentionwatch.store.alerts_dynamodb import AlertStore
    from mentionwatch.store.dynamodb import MentionStore

    if not settings.digest_topic_arn:
        raise ConfigurationError(
            "set MENTIONWATCH_DIGEST_TOPIC_ARN for the daily digest", field="MENTIONWATCH_DIGEST_TOPIC_ARN"
        )
    return DigestJob(
        SnsPublisher(aws.client("sns"), settings.digest_topic_arn),
        AlertStore(aws.client("dynamodb"), settings.table_name),
        MentionStore(aws.client("dynamodb"), settings.table_name),
        utc_clock,
    )
