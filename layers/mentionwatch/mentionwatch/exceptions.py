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


# --- replies posted through mentionwatch (issue 11) -----------------------------------------------------
class TextTooLong(BadRequest):
    code = "text_too_long"


class RepliesNotSupported(MentionwatchError):
    status = 422
    code = "replies_not_supported"


class NoBrandAccount(MentionwatchError):
    """The mention's brand has no account on its platform to answer from (watch configuration `accounts`)."""

    status = 422
    code = "no_brand_account"


class ReplyCredentialsRejected(MentionwatchError):
    """The platform refused the brand account's credentials (401/403), or none are stored for the account.
    A failed dependency of the request, not the caller's mistake and not a server fault: 424."""

    status = 424
    code = "platform_credentials_rejected"


class ReplyRateLimited(MentionwatchError):
    status = 429
    code = "platform_rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class ReplyTargetUnavailable(Conflict):
    """The post cannot be answered any more (deleted, locked, replies restricted): 409 naming the reason."""

    code = "reply_target_unavailable"

    def __init__(self, message: str, *, reason: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.reason = reason


class ReplyRejected(MentionwatchError):
    """The platform refused the reply itself (its own validation): 422 with the platform's reason."""

    status = 422
    code = "platform_rejected"


class PlatformUnavailable(AdapterError):
    code = "platform_unavailable"


class PlatformOutcomeUnknown(PlatformUnavailable):
    """The platform could not be reached or did not answer in time: the reply may or may not have been posted."""

    code = "platform_outcome_unknown"


class ReplyInDoubt(Conflict):
    """An earlier attempt under this idempotency key may have posted (it is still sending, or died mid-call)."""

    code = "reply_in_doubt"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class FourEyesRequired(Forbidden):
    code = "four_eyes_required"
