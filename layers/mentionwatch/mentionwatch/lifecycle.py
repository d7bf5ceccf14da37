"""A mention's workflow: new → acknowledged → responded → resolved (and reopen), each step recorded with who and when.

The rules live here; the store applies a step atomically with optimistic concurrency (`MentionStore.apply`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import InvalidTransition
from mentionwatch.models import MentionStatus, UtcDatetime


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    RESPOND = "respond"  # a reply was made: a link to it, or "moved offline"
    RESOLVE = "resolve"
    REOPEN = "reopen"


_NEXT: dict[MentionStatus, dict[Action, MentionStatus]] = {
    MentionStatus.NEW: {
        Action.ACKNOWLEDGE: MentionStatus.ACKNOWLEDGED,
        Action.ASSIGN: MentionStatus.NEW,
        Action.RESPOND: MentionStatus.RESPONDED,
        Action.RESOLVE: MentionStatus.RESOLVED,
    },
    MentionStatus.ACKNOWLEDGED: {
        Action.ASSIGN: MentionStatus.ACKNOWLEDGED,
        Action.RESPOND: MentionStatus.RESPONDED,
        Action.RESOLVE: MentionStatus.RESOLVED,
    },
    MentionStatus.RESPONDED: {
        Action.ASSIGN: MentionStatus.RESPONDED,
        Action.RESPOND: MentionStatus.RESPONDED,  # a follow-up reply
        Action.RESOLVE: MentionStatus.RESOLVED,
    },
    MentionStatus.RESOLVED: {Action.REOPEN: MentionStatus.ACKNOWLEDGED},
}


def next_status(current: MentionStatus, action: Action) -> MentionStatus:
    allowed = _NEXT[current]
    if action not in allowed:
        choices = ", ".join(sorted(a.value for a in allowed)) or "none"
        raise InvalidTransition(
            f"cannot {action.value} a mention that is {current.value}; allowed: {choices}", field="action"
        )
    return allowed[action]


class ResponseKind(StrEnum):
    PUBLIC_REPLY = "public_reply"
    PRIVATE_REPLY = "private_reply"  # a direct/private message on the platform, where it reports one
    MOVED_OFFLINE = "moved_offline"


class LifecycleEvent(BaseModel):
    """One recorded step of the workflow."""

    model_config = ConfigDict(frozen=True)

    action: Action
    actor: Annotated[str, Field(min_length=1, max_length=256)]
    at: UtcDatetime
    from_status: MentionStatus
    to_status: MentionStatus
    via: Annotated[str, Field(max_length=32, description="api, sms-link, …")] = "api"
    assignee: Annotated[str | None, Field(max_length=256)] = None
    response_kind: ResponseKind | None = None
    response_link: Annotated[str | None, Field(max_length=2048)] = None
    note: Annotated[str | None, Field(max_length=2000)] = None
    response_account: Annotated[
        str | None, Field(max_length=512, description="The brand account that answered (platform id)")
    ] = None
    response_id: Annotated[
        str | None, Field(max_length=300, description="The answer's own id, `<platform>:<native id>`")
    ] = None


def step(current: MentionStatus, action: Action, **details: object) -> LifecycleEvent:
    """Validate a step and describe it; `details` are LifecycleEvent's other fields (actor, at, via, …)."""
    return LifecycleEvent(action=action, from_status=current, to_status=next_status(current, action), **details)
