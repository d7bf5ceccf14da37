"""One adapter per platform that posts a reply through the platform's own API (see `base.ReplyAdapter`)."""

from __future__ import annotations

from mentionwatch.exceptions import RepliesNotSupported
from mentionwatch.models import Platform
from mentionwatch.responses.platforms.base import ReplyAdapter
from mentionwatch.responses.platforms.bluesky import BlueskyReplies
from mentionwatch.responses.platforms.mastodon import MastodonReplies
from mentionwatch.responses.platforms.meta import FacebookReplies, InstagramReplies
from mentionwatch.responses.platforms.reddit import RedditReplies
from mentionwatch.responses.platforms.x import XReplies
from mentionwatch.responses.platforms.youtube import YouTubeReplies

ADAPTERS: dict[Platform, ReplyAdapter] = {
    adapter.platform: adapter
    for adapter in (
        XReplies(),
        FacebookReplies(),
        InstagramReplies(),
        MastodonReplies(),
        RedditReplies(),
        BlueskyReplies(),
        YouTubeReplies(),
    )
}


def adapter_for(platform: Platform) -> ReplyAdapter:
    try:
        return ADAPTERS[platform]
    except KeyError:
        raise RepliesNotSupported(f"mentionwatch cannot reply on {platform.value}", field="id") from None
