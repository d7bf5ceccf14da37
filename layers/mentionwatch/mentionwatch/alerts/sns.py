"""SNS adapter: publishes a rendered alert once per dedup key."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mentionwatch.alerts.messages import AlertMessage
from mentionwatch.exceptions import PublishFailed


class SnsPublisher:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, alert: AlertMessage) -> str:
        """Returns the SNS message id."""
        try:
            response = self._client.publish(
                TopicArn=self._topic_arn,
                Subject=alert.email_subject,
                Message=alert.sns_message(),
                MessageStructure="json",
                MessageAttributes=alert.sns_attributes(),
            )
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            raise PublishFailed(f"SNS publish failed: {code}") from err
        except BotoCoreError as err:  # unreachable or timed out: the alert stays pending for the sweeper
            raise PublishFailed(f"SNS unreachable: {type(err).__name__}") from err
        return str(response["MessageId"])
