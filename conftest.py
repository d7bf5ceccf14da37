"""Root conftest: moto is imported and fake credentials are set before any boto3 client can exist."""

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "MentionwatchTests",
        "POWERTOOLS_SERVICE_NAME": "mentionwatch",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        # Production clients skip botocore's request validation; tests keep it, to catch a malformed request.
        "MENTIONWATCH_AWS_PARAMETER_VALIDATION": "true",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

import moto  # noqa: E402,F401 - must come before boto3 creates any client
