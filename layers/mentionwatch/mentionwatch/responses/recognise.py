"""Recognising the brand's own posts where they come in (webhooks and pollers), before they reach the queue."""

from __future__ import annotations

from collections.abc import Iterable

from mentionwatch.config.watch import WatchConfig
from mentionwatch.sources.base import QueuedMention


def tag_brand_post(item: QueuedMention, config: WatchConfig) -> QueuedMention:
    """Mark `item` as written by one of the brand's configured accounts (the account and brand it names).

    A platform that already knows (X Account Activity's `for_user_id`) keeps its mark; the configuration only
    adds the brand it belongs to.
    """
    account = config.brand_account(item.mention)
    if account is None:
        return item
    mention = item.mention.model_copy(update={"match": item.mention.match.model_copy(update={"brand": account.brand})})
    return item.model_copy(update={"brand_account": account, "mention": mention})


def tag_brand_posts(items: Iterable[QueuedMention], config: WatchConfig) -> list[QueuedMention]:
    return [tag_brand_post(item, config) for item in items]
