"""Sends an urgent mention's alert once: Powertools idempotency keyed on the alert's dedup key means concurrent
or repeated attempts publish it a single time and share the first attempt's SNS message id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

from mentionwatch.alerts.messages import AlertMessage, render_alert
from mentionwatch.alerts.sns import SnsPublisher
from mentionwatch.models import TriagedMention
from mentionwatch.store.items import AlertRecord

IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600


class AlertDispatcher:
    def __init__(
        self,
        publisher: SnsPublisher,
        persistence_store: Any,
        clock: Callable[[], datetime],
        ack_link: Callable[[TriagedMention], str | None] = lambda triaged: None,
    ) -> None:
        self._publisher = publisher
        self._clock = clock
        self._ack_link = ack_link
        self._config = config = IdempotencyConfig(
            event_key_jmespath="dedup_key",
            expires_after_seconds=IDEMPOTENCY_WINDOW_SECONDS,
            raise_on_no_idempotency_key=True,
        )
        self._publish_once = idempotent_function(
            data_keyword_argument="alert", persistence_store=persistence_store, config=config
        )(self._publish)

    def register_lambda_context(self, context: Any) -> None:
        """Lets an in-progress record expire with the invocation, so a timed-out attempt can be retried."""
        self._config.register_lambda_context(context)

    def _publish(self, alert: AlertMessage) -> dict[str, str]:
        return {"message_id": self._publisher.publish(alert)}

    def send(self, triaged: TriagedMention) -> AlertRecord:
        alert = render_alert(triaged, self._ack_link(triaged))
        result = self._publish_once(alert=alert)
        return AlertRecord(kind="mention", channel="sns", message_id=result["message_id"], sent_at=self._clock())
