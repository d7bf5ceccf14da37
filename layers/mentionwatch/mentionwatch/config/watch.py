"""What mentionwatch listens for: brands (keywords, handles) and, per polled source, the queries to run.

Loaded from YAML or JSON text (JSON is YAML). Every error names the field, e.g.
`pollers.reddit.queries.0.subreddit: a comments query needs a subreddit`.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from mentionwatch.exceptions import ConfigurationError
from mentionwatch.models import BrandAccount, Match, Mention
from mentionwatch.sources.payloads import describe_validation_error

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
"""Brand and query names: they end up in DynamoDB keys (`CURSOR#reddit#<query>`) and metric dimensions."""


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


AccountId = Annotated[str, Field(min_length=1, max_length=512)]


def _mastodon_handle(value: str) -> str:
    """`https://host/users/name`, `https://host/@name` or `@name@host` → `name@host` (lower-case), as the
    Mastodon source writes an author's handle."""
    text = value.strip()
    if text.startswith(("http://", "https://")):
        parts = urlsplit(text)
        path = parts.path.rstrip("/")
        name = path.rsplit("/", 1)[-1].lstrip("@")
        return f"{name}@{parts.netloc}".lower()
    return text.lstrip("@").lower()


class BrandAccounts(_Config):
    """The brand's own accounts, by the id each platform puts on a post's author."""

    x: tuple[Annotated[str, Field(pattern=r"^\d{1,20}$")], ...] = Field(default=(), description="X user ids")
    facebook: tuple[AccountId, ...] = Field(default=(), description="Facebook Page ids")
    instagram: tuple[AccountId, ...] = Field(default=(), description="Instagram business account ids")
    mastodon: tuple[AccountId, ...] = Field(
        default=(), description="Account URIs, e.g. https://mastodon.social/users/acme"
    )
    reddit: tuple[Annotated[str, Field(pattern=r"^(/?u/)?[A-Za-z0-9_-]{3,20}$")], ...] = Field(
        default=(), description="Reddit usernames"
    )
    bluesky: tuple[Annotated[str, Field(pattern=r"^did:[a-z]+:[A-Za-z0-9._:%-]+$")], ...] = Field(
        default=(), description="Bluesky DIDs"
    )
    youtube: tuple[Annotated[str, Field(pattern=r"^UC[A-Za-z0-9_-]{22}$")], ...] = Field(
        default=(), description="YouTube channel ids"
    )

    def owns(self, mention: Mention) -> str | None:
        """The configured account that wrote `mention`, or None."""
        author = mention.author
        platform = mention.platform.value
        if platform == "mastodon":
            handle = author.handle.lower()
            return next((uri for uri in self.mastodon if _mastodon_handle(uri) == handle), None)
        if platform == "reddit":
            handle = author.handle.lower()
            return next((name for name in self.reddit if name.rsplit("/", 1)[-1].lower() == handle), None)
        accounts: tuple[str, ...] = getattr(self, platform, ())
        return author.id if author.id is not None and author.id in accounts else None


class Brand(_Config):
    name: Slug
    keywords: Annotated[tuple[Annotated[str, Field(min_length=2, max_length=100)], ...], Field(min_length=1)]
    handles: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Own accounts per platform, e.g. {x: [acmeair], bluesky: [acme.com]}",
    )
    accounts: BrandAccounts = Field(
        default_factory=BrandAccounts,
        description="The brand's own accounts by platform id: their posts are responses or brand activity",
    )

    @cached_property
    def _patterns(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        terms = list(self.keywords) + [
            f"@{handle.lstrip('@')}" for handles in self.handles.values() for handle in handles
        ]
        # Whole words, case-insensitive: "acme" matches "Acme's" but not "acmeology".
        return tuple((term, re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)) for term in terms)

    def keywords_in(self, text: str) -> tuple[str, ...]:
        return tuple(term for term, pattern in self._patterns if pattern.search(text))


class _Query(_Config):
    name: Slug
    brand: Slug


class RedditQuery(_Query):
    kind: Literal["search", "posts", "comments"] = "search"
    q: Annotated[str | None, Field(min_length=1, max_length=512)] = None
    subreddit: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_]{2,21}$")] = None

    @model_validator(mode="after")
    def _complete(self) -> RedditQuery:
        if self.kind == "search" and not self.q:
            raise ValueError("a search query needs q")
        if self.kind in ("posts", "comments") and not self.subreddit:
            raise ValueError(f"a {self.kind} query needs a subreddit")
        return self


class RedditConfig(_Config):
    user_agent: Annotated[str, Field(min_length=10, max_length=256)] = Field(
        description="Reddit's required form: `<platform>:<app id>:<version> (by /u/<username>)`"
    )
    queries: Annotated[tuple[RedditQuery, ...], Field(min_length=1)]
    max_pages: Annotated[int, Field(ge=1, le=10)] = 5
    overlap_minutes: Annotated[int, Field(ge=0, le=1440)] = 30

    @field_validator("user_agent")
    @classmethod
    def _reddit_form(cls, value: str) -> str:
        if not re.match(r"^[^:\s]+:[^:\s]+:[^:\s]+ \(by /u/[A-Za-z0-9_-]+\)$", value):
            raise ValueError("must look like '<platform>:<app id>:<version> (by /u/<username>)'")
        return value


class BlueskyQuery(_Query):
    q: Annotated[str, Field(min_length=1, max_length=512)]
    lang: Annotated[str | None, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")] = None


class BlueskyConfig(_Config):
    service: AnyHttpUrl = AnyHttpUrl("https://bsky.social")
    queries: Annotated[tuple[BlueskyQuery, ...], Field(min_length=1)]
    max_pages: Annotated[int, Field(ge=1, le=20)] = 5
    overlap_minutes: Annotated[int, Field(ge=0, le=1440)] = 30


class MastodonQuery(_Query):
    hashtag: Annotated[str, Field(pattern=r"^#?[\w]{1,100}$")]
    instance: AnyHttpUrl | None = None  # defaults to the source's instance

    @field_validator("hashtag")
    @classmethod
    def _no_hash(cls, value: str) -> str:
        return value.lstrip("#")


class MastodonConfig(_Config):
    instance: AnyHttpUrl
    queries: Annotated[tuple[MastodonQuery, ...], Field(min_length=1)]
    max_pages: Annotated[int, Field(ge=1, le=20)] = 5


class FeedQuery(_Query):
    url: AnyHttpUrl
    match_all: bool = Field(
        default=False, description="Keep every entry (a feed about the brand) instead of only those naming it"
    )


class RssConfig(_Config):
    feeds: Annotated[tuple[FeedQuery, ...], Field(min_length=1)]


class PollersConfig(_Config):
    reddit: RedditConfig | None = None
    bluesky: BlueskyConfig | None = None
    mastodon: MastodonConfig | None = None
    rss: RssConfig | None = None


class WatchConfig(_Config):
    brands: Annotated[tuple[Brand, ...], Field(min_length=1)]
    pollers: PollersConfig = PollersConfig()
    timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 10.0

    @model_validator(mode="after")
    def _consistent(self) -> WatchConfig:
        # ConfigurationError is not a ValueError: pydantic lets it through, with the field it names.
        names = [brand.name for brand in self.brands]
        if len(set(names)) != len(names):
            raise ConfigurationError("watch configuration: brands: two brands share a name", field="brands")
        for source in ("reddit", "bluesky", "mastodon", "rss"):
            config = getattr(self.pollers, source)
            if config is None:
                continue
            queries = config.feeds if source == "rss" else config.queries
            seen: set[str] = set()
            for index, query in enumerate(queries):
                where = f"pollers.{source}.{'feeds' if source == 'rss' else 'queries'}.{index}"
                if query.brand not in names:
                    raise ConfigurationError(
                        f"watch configuration: {where}.brand: unknown brand {query.brand!r}",
                        field=f"{where}.brand",
                    )
                if query.name in seen:
                    raise ConfigurationError(
                        f"watch configuration: {where}.name: another {source} query is named {query.name!r}",
                        field=f"{where}.name",
                    )
                seen.add(query.name)
        return self

    def brand(self, name: str) -> Brand:
        return next(brand for brand in self.brands if brand.name == name)

    def match(self, text: str, brand: str | None = None) -> Match | None:
        """The brand `text` mentions and the watched keywords in it (the given brand is tried first)."""
        ordered = sorted(self.brands, key=lambda b: b.name != brand)
        for candidate in ordered:
            found = candidate.keywords_in(text)
            if found:
                return Match(brand=candidate.name, keywords=found[:50])
        return None

    def brand_account(self, mention: Mention) -> BrandAccount | None:
        """The brand account that wrote `mention` (the brand it is tagged with is tried first), or None."""
        ordered = sorted(self.brands, key=lambda b: b.name != mention.match.brand)
        for brand in ordered:
            account = brand.accounts.owns(mention)
            if account is not None:
                return BrandAccount(brand=brand.name, platform=mention.platform, account=account)
        return None

    def polled_sources(self) -> list[str]:
        return [name for name in ("reddit", "bluesky", "mastodon", "rss") if getattr(self.pollers, name)]


def load_watch_config(text: str) -> WatchConfig:
    """Parse YAML/JSON text into a `WatchConfig`; a `ConfigurationError` names the first bad field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigurationError(f"watch configuration is not valid YAML or JSON: {err}", field="body") from None
    if not isinstance(data, dict):
        raise ConfigurationError("watch configuration must be a mapping with a brands list", field="brands")
    try:
        return WatchConfig.model_validate(data)
    except ValidationError as err:
        field, message = describe_validation_error(err)
        message = message.removeprefix("Value error, ")
        raise ConfigurationError(f"watch configuration: {field}: {message}", field=field) from None
