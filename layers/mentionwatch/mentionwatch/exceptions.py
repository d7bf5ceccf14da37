"""Every error the domain raises. Handlers map these to responses in one place (`mentionwatch.http.errors`)."""

from __future__ import annotations


class MentionwatchError(Exception):
    """Base class. `status` is the HTTP status a request-path error maps to; `code` names the problem."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- client mistakes on the request path (4xx) ---------------------------------------------------------
class BadRequest(MentionwatchError):
    status = 400
    code = "bad_request"


class MalformedPayload(BadRequest):
    code = "malformed_payload"


class UnsupportedMediaType(MentionwatchError):
    status = 415
    code = "unsupported_media_type"


class PayloadTooLarge(MentionwatchError):
    status = 413
    code = "payload_too_large"


class Unauthorized(MentionwatchError):
    status = 401
    code = "unauthorized"


class SignatureMissing(Unauthorized):
    code = "signature_missing"


class SignatureInvalid(Unauthorized):
    code = "signature_invalid"


class TimestampOutOfTolerance(Unauthorized):
    code = "timestamp_out_of_tolerance"


class Forbidden(MentionwatchError):
    status = 403
    code = "forbidden"


class NotFound(MentionwatchError):
    status = 404
    code = "not_found"


class UnknownSource(NotFound):
    code = "unknown_source"


class MethodNotAllowed(MentionwatchError):
    status = 405
    code = "method_not_allowed"


class Conflict(MentionwatchError):
    status = 409
    code = "conflict"


# --- configuration (fails at start, never mid-request) ------------------------------------------------
class ConfigurationError(MentionwatchError):
    code = "configuration_error"


class SecretUnavailable(ConfigurationError):
    code = "secret_unavailable"


class InvalidRules(ConfigurationError):
    """A triage rules file that does not validate. The message names the rule id and the field."""

    code = "invalid_rules"

    def __init__(self, message: str, *, rule: str | None = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.rule = rule


# --- adapters: AWS failures translated into the domain's words ----------------------------------------
class AdapterError(MentionwatchError):
    status = 503
    code = "dependency_unavailable"


class AlreadyStored(AdapterError):
    """A conditional write found the item already there: the mention was delivered before."""

    status = 409
    code = "already_stored"


class Throttled(AdapterError):
    code = "throttled"


class SentimentUnavailable(AdapterError):
    code = "sentiment_unavailable"


class PublishFailed(AdapterError):
    code = "publish_failed"


class SecretsUnreachable(AdapterError):
    """Secrets Manager or SSM could not be read just now (not a misconfiguration): 503, retried by the caller."""

    code = "secrets_unreachable"


class EnqueueFailed(AdapterError):
    code = "enqueue_failed"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class VersionConflict(Conflict):
    """Optimistic concurrency: the client's version is not the stored one."""

    code = "version_conflict"


class UpstreamError(AdapterError):
    """A platform API (Reddit, Bluesky, a Mastodon instance, a feed) failed or answered something unusable."""

    code = "upstream_error"


# --- mentions API (issue 6) ----------------------------------------------------------------------------
class InvalidParameter(BadRequest):
    code = "invalid_parameter"


class UnknownParameter(BadRequest):
    code = "unknown_parameter"


class InvalidCursor(BadRequest):
    """A pagination cursor that is malformed, forged, expired or from another query or caller."""

    code = "invalid_cursor"


# --- alerting: acknowledge links and escalation configuration ------------------------------------------
class AckLinkInvalid(Forbidden):
    """The link was not made by mentionwatch (malformed or its signature does not match)."""

    code = "ack_link_invalid"


class AckLinkExpired(MentionwatchError):
    status = 410
    code = "ack_link_expired"


class AckLinkUnknown(NotFound):
    """Correctly signed, but no alert is on record for it (e.g. from another deployment's key)."""

    code = "ack_link_unknown"


class EscalationPolicyInvalid(ConfigurationError):
    code = "escalation_policy_invalid"
