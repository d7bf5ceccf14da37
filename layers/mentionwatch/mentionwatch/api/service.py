"""The mentions API's operations: list, read, change and count mentions for an authenticated caller."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote

from pydantic import BaseModel, ValidationError

from mentionwatch.api import planning, stats
from mentionwatch.api.cursor import CursorSigner, Position, fingerprint
from mentionwatch.api.identity import Caller
from mentionwatch.api.models import (
    MENTION_ID,
    MentionDetail,
    MentionFilters,
    MentionPage,
    MentionPatch,
    MentionSummary,
    StatsQuery,
    StatsReport,
)
from mentionwatch.exceptions import BadRequest, InvalidParameter, NotFound, UnknownParameter, VersionConflict
from mentionwatch.lifecycle import Action, LifecycleEvent, ResponseKind, step
from mentionwatch.models import Platform
from mentionwatch.store import keys
from mentionwatch.store.items import MentionItem

THREAD_CONTEXT_LIMIT = 20
STATS_PAGE_SIZE = 500
_ID_PATTERN = re.compile(MENTION_ID)
_Model = TypeVar("_Model", bound=BaseModel)


class LifecycleWriter(Protocol):
    def apply(self, mention_id: str, expected_version: int, event: LifecycleEvent) -> MentionItem: ...


def reject_unknown_parameters(given: Iterable[str], allowed: Iterable[str]) -> None:
    """Unknown query parameters are refused (a typo must not silently widen a search)."""
    known = set(allowed)
    for name in sorted(given):
        if name not in known:
            raise UnknownParameter(f"unknown query parameter {name!r}; known: {', '.join(sorted(known))}", field=name)


def request_model(model: type[_Model], values: Mapping[str, Any]) -> _Model:
    """Build a request model from validated parameters; a rule the model adds is still a 400 naming the field."""
    try:
        return model.model_validate(dict(values))
    except ValidationError as err:
        first = err.errors()[0]
        field = next((str(part) for part in reversed(first["loc"]) if isinstance(part, str)), "request")
        raise InvalidParameter(f"{field}: {first['msg']}", field=field) from None


def parse_mention_id(raw: str) -> str:
    """`<platform>:<native id>`; anything else is a 400 naming `id` (never a lookup)."""
    mention_id = unquote(raw) if "%" in raw else raw
    platform, sep, native = mention_id.partition(":")
    if not sep or not native or platform not in {p.value for p in Platform} or not _ID_PATTERN.fullmatch(mention_id):
        raise BadRequest("id must be <platform>:<native id>, e.g. x:1234567890", field="id")
    return mention_id


class MentionsApi:
    def __init__(
        self,
        reader: planning.MentionQueries,
        writer: LifecycleWriter,
        signer: CursorSigner,
        clock: Callable[[], datetime],
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._signer = signer
        self._clock = clock

    # --- GET /mentions -------------------------------------------------------------------------------
    def list_mentions(self, filters: MentionFilters, caller: Caller) -> MentionPage:
        team = caller.team_filter(filters.team)
        criteria = planning.Criteria(
            status=filters.status,
            severity=filters.severity,
            brand=filters.brand,
            reaction=filters.reaction.value if filters.reaction else None,
            team=team,
            platform=filters.platform.value if filters.platform else None,
            sentiment=filters.sentiment.value if filters.sentiment else None,
            since=filters.since,
            until=filters.until,
        )
        digest = fingerprint(_query_identity(filters))
        position = self._signer.open(filters.cursor, digest, caller.scope) if filters.cursor else None
        now = self._clock()
        query_plan = planning.plan(criteria, now=now, position=position)
        page = list(
            itertools.islice(planning.execute(query_plan, self._reader, filters.limit + 1, position), filters.limit + 1)
        )
        next_cursor = None
        if len(page) > filters.limit:
            page = page[: filters.limit]
            last = page[-1]
            next_cursor = self._signer.issue(
                Position(created_at=keys.iso(last.mention.created_at), id=last.id), digest, caller.scope
            )
        return MentionPage(items=[MentionSummary.of(item) for item in page], next_cursor=next_cursor)

    # --- GET /mentions/{id} --------------------------------------------------------------------------
    def get_mention(self, raw_id: str, caller: Caller) -> MentionDetail:
        item = self._visible(parse_mention_id(raw_id), caller, consistent=False)
        return MentionDetail.of(item, self._thread(item, caller))

    # --- PATCH /mentions/{id} ------------------------------------------------------------------------
    def change(self, raw_id: str, patch: MentionPatch, caller: Caller) -> MentionDetail:
        mention_id = parse_mention_id(raw_id)
        item = self._visible(mention_id, caller, consistent=True)
        if patch.version != item.version:
            raise VersionConflict(
                f"mention {mention_id!r} is at version {item.version}, not {patch.version}; fetch it and retry",
                field="version",
            )
        details = _step_details(patch)
        event = step(item.status, patch.action, actor=caller.actor, at=self._clock(), via="api", **details)
        updated = self._writer.apply(mention_id, patch.version, event)
        return MentionDetail.of(updated, self._thread(updated, caller))

    # --- GET /stats ----------------------------------------------------------------------------------
    def stats(self, query: StatsQuery, caller: Caller) -> StatsReport:
        now = self._clock()
        since, until = stats.time_range(query.since, query.until, now)
        criteria = planning.Criteria(
            brand=query.brand,
            team=caller.team_filter(query.team),
            platform=query.platform.value if query.platform else None,
            since=since,
            until=until,
        )
        items = planning.execute(planning.plan(criteria, now=now), self._reader, STATS_PAGE_SIZE)
        return stats.compute(items, since, until, query.interval, now)

    # --- helpers -------------------------------------------------------------------------------------
    def _visible(self, mention_id: str, caller: Caller, consistent: bool) -> MentionItem:
        item = self._reader.get(mention_id, consistent=consistent)
        # Another team's mention is reported exactly like a missing one: its existence is not disclosed.
        if item is None or not caller.sees(item.triage.team):
            raise NotFound(f"mention {mention_id!r} does not exist", field="id")
        return item

    def _thread(self, item: MentionItem, caller: Caller) -> list[MentionItem]:
        key_range = planning.KeyRange(
            index="GSI3",
            pk_name="GSI3PK",
            pk_value=keys.thread_pk(item.mention.thread_key),
            sk_name="GSI3SK",
            low=planning.SORT_KEY_BOTTOM,
            high=planning.SORT_KEY_TOP,
        )
        filters = (("team", caller.team),) if caller.team else ()
        root_id = item.mention.thread_key
        replies = planning.QueryPlan(
            ranges=(key_range,), disjoint=True, attribute_filters=filters, since=None, until=None
        )
        others = (
            other
            for other in planning.execute(replies, self._reader, THREAD_CONTEXT_LIMIT + 1)
            if other.id not in (item.id, root_id)
        )
        thread = list(itertools.islice(others, THREAD_CONTEXT_LIMIT))
        # The index holds replies only; the root post, the conversation's oldest, is read by its id and comes last.
        if root_id != item.id and len(thread) < THREAD_CONTEXT_LIMIT:
            root = self._reader.get(root_id)
            if root is not None and caller.sees(root.triage.team):
                thread.append(root)
        return thread


def _query_identity(filters: MentionFilters) -> dict[str, object]:
    """What a cursor is bound to: every filter, not the page size or the cursor itself."""
    return filters.model_dump(mode="json", exclude={"limit", "cursor"})


def _step_details(patch: MentionPatch) -> dict[str, Any]:
    details: dict[str, Any] = {"note": patch.note}
    if patch.action is Action.ASSIGN:
        if not patch.assignee:
            raise BadRequest("assign needs an assignee", field="assignee")
        details["assignee"] = patch.assignee
    elif patch.assignee is not None:
        raise BadRequest("assignee is only for the assign action", field="assignee")
    if patch.action is Action.RESPOND:
        if patch.response_kind is None:
            raise BadRequest("respond needs response_kind: public_reply or moved_offline", field="response_kind")
        if patch.response_kind is ResponseKind.PUBLIC_REPLY and not patch.response_link:
            raise BadRequest("a public reply needs response_link, the reply's URL", field="response_link")
        details["response_kind"] = patch.response_kind
        details["response_link"] = patch.response_link
    elif patch.response_kind is not None or patch.response_link is not None:
        field = "response_kind" if patch.response_kind is not None else "response_link"
        raise BadRequest(f"{field} is only for the respond action", field=field)
    return details
