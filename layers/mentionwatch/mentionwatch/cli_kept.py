"""`mentionwatch kept list|replay`: signed deliveries the parser refused (pipeline/kept.py), and their replay.

    mentionwatch kept list [--limit N]                 one JSON object a line: id, source, reason, received_at
    mentionwatch kept replay ID [ID ...] | --all       parse again with today's parser and enqueue the mentions

Reads MENTIONWATCH_TABLE and MENTIONWATCH_QUEUE_URL (and the usual AWS settings) from the environment. A replayed
delivery is removed from the kept ones; one the parser still refuses stays and is reported (exit 1).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, TextIO

from mentionwatch.cli import EXIT_OK, EXIT_TARGET_MISSED, BadInput, command
from mentionwatch.exceptions import MalformedPayload
from mentionwatch.pipeline.ingest import Enqueuer, replay_kept
from mentionwatch.pipeline.kept import KeptDeliveries

MAX_LIST = 1_000


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("list", "replay"))
    parser.add_argument("ids", nargs="*", metavar="ID", help="kept delivery ids to replay")
    parser.add_argument("--all", action="store_true", help="replay every kept delivery")
    parser.add_argument("--limit", type=int, default=100, help=f"at most this many (1-{MAX_LIST}, default 100)")


def _environment(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise BadInput(f"environment variable {name} is not set")
    return value


def _adapters() -> tuple[KeptDeliveries, Enqueuer]:
    from mentionwatch import aws
    from mentionwatch.queue.sqs import MentionQueue
    from mentionwatch.store.kept_dynamodb import DynamoDbKeptDeliveries

    table = _environment("MENTIONWATCH_TABLE")
    queue_url = _environment("MENTIONWATCH_QUEUE_URL")
    return DynamoDbKeptDeliveries(aws.client("dynamodb"), table), MentionQueue(aws.client("sqs"), queue_url)


def run_kept(args: argparse.Namespace, out: TextIO, kept: KeptDeliveries, queue: Enqueuer) -> int:
    if not 1 <= args.limit <= MAX_LIST:
        raise BadInput(f"--limit must be between 1 and {MAX_LIST}")
    if args.action == "list":
        if args.ids or args.all:
            raise BadInput("kept list takes no ids and no --all")
        for delivery in kept.recent(args.limit):
            row = delivery.model_dump(mode="json", include={"id", "source", "reason", "field", "received_at"})
            out.write(json.dumps(row | {"bytes": len(delivery.body)}) + "\n")
        return EXIT_OK
    if bool(args.ids) == bool(args.all):
        raise BadInput("kept replay needs either ids or --all")
    targets = kept.recent(args.limit) if args.all else [_find(kept, kept_id) for kept_id in args.ids]
    still_refused = 0
    for delivery in targets:
        result: dict[str, Any] = {"id": delivery.id, "source": delivery.source}
        try:
            outcome = replay_kept(delivery, queue)
        except MalformedPayload as refused:
            still_refused += 1
            result |= {"replayed": False, "reason": str(refused)}
        else:
            kept.forget(delivery.id)
            result |= {"replayed": True, "accepted": outcome.accepted, "ignored": outcome.ignored}
            result |= {"mention_ids": list(outcome.mention_ids)}
        out.write(json.dumps(result) + "\n")
    return EXIT_TARGET_MISSED if still_refused else EXIT_OK


def _find(kept: KeptDeliveries, delivery_id: str) -> Any:
    delivery = kept.get(delivery_id)
    if delivery is None:
        raise BadInput(f"no kept delivery {delivery_id!r} (it may have expired)")
    return delivery


@command("kept", "list or replay signed webhook deliveries the parser refused", _configure)
def kept_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    kept, queue = _adapters()
    return run_kept(args, out, kept, queue)
