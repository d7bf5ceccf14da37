"""The canonical models every part of mentionwatch speaks: a `Mention`, its sentiment and its triage decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field, field_validator

from mentionwatch.text import MAX_TEXT_CHARS, normalise_text


def _as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: pydantic only turns ValueError into a field error
        raise ValueError("date is out of range") from None


# Platforms' timestamps are untrusted: nothing social predates 2006 (Twitter's launch; older blog posts are
# dated 2006 at the earliest by the feeds we poll), and a clock more than a day ahead is wrong. Outside this
# window a timestamp is refused as the client's mistake, before date arithmetic downstream can overflow.
EARLIEST_PLATFORM_TIME = datetime(2006, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


def check_platform_time(value: datetime) -> datetime:
    """`value` in UTC if it lies between 2006 and now + 1 day; ValueError (a field error in a model) if not."""
    moment = _as_utc(value)
    if moment < EARLIEST_PLATFORM_TIME:
        raise ValueError(f"date is before {EARLIEST_PLATFORM_TIME:%Y}")
    if moment > utc_now() + FUTURE_TOLERANCE:
        raise ValueError("date is more than a day in the future")
    return moment


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
PlatformDatetime = Annotated[datetime, AfterValidator(check_platform_time)]
NonNegativeCount = Annotated[int, Field(ge=0, le=10**15)]  # counts a platform reports; bounded like an id


class Platform(StrEnum):
    WEBHOOK = "webhook"  # any system that signs a Standard Webhooks delivery
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    MASTODON = "mastodon"
    YOUTUBE = "youtube"
    REDDIT = "reddit"
    BLUESKY = "bluesky"
    RSS = "rss"


class Author(BaseModel):
    model_config = ConfigDict(frozen=True)

    handle: Annotated[str, Field(min_length=1, max_length=256)]
    display_name: Annotated[str | None, Field(max_length=256)] = None
    id: Annotated[str | None, Field(max_length=256)] = None
    followers: NonNegativeCount | None = None
    verified: bool = False


class ThreadRef(BaseModel):
    """Where a mention sits in a conversation: the root post and the post it answers (both native ids)."""

    model_config = ConfigDict(frozen=True)

    root_id: Annotated[str | None, Field(max_length=256)] = None
    parent_id: Annotated[str | None, Field(max_length=256)] = None
    quote_of: Annotated[str | None, Field(max_length=256, description="the post this one quotes")] = None


class Engagement(BaseModel):
    model_config = ConfigDict(frozen=True)

    likes: NonNegativeCount = 0
    replies: NonNegativeCount = 0
    reposts: NonNegativeCount = 0
    quotes: NonNegativeCount = 0
    views: NonNegativeCount | None = None

    @property
    def interactions(self) -> int:
        return self.likes + self.replies + self.reposts + self.quotes


class Match(BaseModel):
    """What made mentionwatch pick the post up: the brand it is about and the watched keywords it contains."""

    model_config = ConfigDict(frozen=True)

    brand: Annotated[str, Field(min_length=1, max_length=128)] = "default"
    keywords: Annotated[tuple[str, ...], Field(max_length=50)] = ()


class BrandAccount(BaseModel):
    """One of a brand's own accounts. A post by it is the brand speaking (a response or brand activity), never a
    mention: it is not triaged, scored or paged."""

    model_config = ConfigDict(frozen=True)

    brand: Annotated[str, Field(min_length=1, max_length=128)] = "default"
    platform: Platform
    account: Annotated[str, Field(min_length=1, max_length=512, description="The platform's id for the account")]


class Mention(BaseModel):
    """One post, comment or article that mentions a watched brand, normalised from any platform."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    native_id: Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\s#]+$")]
    permalink: Annotated[str | None, Field(max_length=2048)] = None
    text: Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
    language: Annotated[str | None, Field(max_length=16)] = None
    author: Author
    created_at: PlatformDatetime
    received_at: UtcDatetime = Field(default_factory=utc_now)
    thread: ThreadRef = ThreadRef()
    engagement: Engagement = Engagement()
    match: Match = Match()
    raw_ref: Annotated[str | None, Field(max_length=512)] = None
    deleted: bool = False
    edited_at: UtcDatetime | None = None  # when the platform says the text was last edited (None: never, or unknown)
    # Native ids of the other versions of an edited post (X gives each edit a new id; `native_id` is the first):
    # a deletion naming any of them deletes this mention. Empty: never edited, or the platform keeps one id.
    versions: Annotated[
        tuple[Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\s#]+$")], ...], Field(max_length=20)
    ] = ()
    # Hidden by the page or a moderator (Meta `hide`): it exists but nobody sees it. None: the delivery does not
    # say; False: explicitly shown again (Meta `unhide`).
    hidden: bool | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def id(self) -> str:
        """Stable across deliveries: `<platform>:<native id>`."""
        return f"{self.platform.value}:{self.native_id}"

    @property
    def thread_key(self) -> str:
        """The conversation this mention belongs to (itself when it starts one)."""
        return f"{self.platform.value}:{self.thread.root_id or self.native_id}"

    @property
    def reach(self) -> int:
        """Followers of the author, the audience a post reaches before anyone shares it."""
        return self.author.followers or 0

    @field_validator("text", mode="before")
    @classmethod
    def _normalise_text(cls, value: object) -> object:
        return normalise_text(value) if isinstance(value, str) else value

    @field_validator("language", mode="before")
    @classmethod
    def _normalise_language(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower().replace("_", "-")
            return value or None
        return value


# --- sentiment ----------------------------------------------------------------------------------------
class Sentiment(StrEnum):
    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    NEUTRAL = "NEUTRAL"
    MIXED = "MIXED"


# From here on, models the webhook function never uses: `defer_build` builds their validators and serializers at
# first use instead of at import, so the webhook's cold start does not pay for them (README, "Performance").
class SentimentScores(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    positive: Annotated[float, Field(ge=0, le=1)] = 0.0
    negative: Annotated[float, Field(ge=0, le=1)] = 0.0
    neutral: Annotated[float, Field(ge=0, le=1)] = 0.0
    mixed: Annotated[float, Field(ge=0, le=1)] = 0.0


class SentimentResult(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    label: Sentiment
    scores: SentimentScores
    analyzer: Annotated[str, Field(description="Which analyzer scored it: `comprehend` or `local`")]
    language: str | None = None
    # How likely the post is sarcastic or ironic (0–1): the local sarcasm model's score. None when nothing
    # scored it; triage then scores it itself.
    sarcasm: Annotated[float | None, Field(ge=0, le=1)] = None


# --- triage -------------------------------------------------------------------------------------------
class Reaction(StrEnum):
    MONITOR = "monitor"  # no reply needed
    ACKNOWLEDGE = "acknowledge"  # praise: thank them
    RESPOND = "respond"  # needs an answer within its SLA
    ESCALATE = "escalate"  # urgent: page on-call now


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class Category(StrEnum):
    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    SERVICE_FAILURE = "service_failure"
    SAFETY = "safety"
    LEGAL = "legal"
    CHURN_RISK = "churn_risk"
    ABUSE = "abuse"
    PRIVACY = "privacy"  # someone else's data shown, leaked or hacked
    MISCONDUCT = "misconduct"  # an allegation against our own staff: discrimination, harassment, abuse
    FRAUD = "fraud"  # scams and impersonation aimed at our customers
    SPAM = "spam"
    OTHER = "other"


class TriageDecision(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    reaction: Reaction
    category: Category
    severity: Severity
    team: Annotated[str, Field(min_length=1, max_length=64)] = "social"
    sla_minutes: Annotated[int | None, Field(ge=1)] = None
    rules: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    suggested_response: str | None = None

    @property
    def is_urgent(self) -> bool:
        return self.reaction is Reaction.ESCALATE


class TriageContext(BaseModel):
    """What the store knows around a mention when it is triaged."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    thread_replies_recent: NonNegativeCount = 0
    author_mentions_today: NonNegativeCount = 0


class MentionStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESPONDED = "responded"
    RESOLVED = "resolved"


class TriagedMention(BaseModel):
    """A mention with everything the pipeline decided about it: what the store keeps and the alerts tell."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    mention: Mention
    sentiment: SentimentResult
    triage: TriageDecision
    status: MentionStatus = MentionStatus.NEW
