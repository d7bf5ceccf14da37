"""`mentionwatch raw MENTION_ID`: the raw payload a stored mention was made from, as the platform sent it.

Raw payloads are archived a batch to a row, compressed (store/items.py `RawArchiveItem`), for the raw payload TTL
(`RawPayloadTtlDays`). Reads MENTIONWATCH_TABLE (and the usual AWS settings) from the environment; prints one JSON
object (mention_id, source, payload) and exits 0, or exits 1 when the mention or its payload is not there.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, TextIO

from mentionwatch.cli import EXIT_OK, EXIT_TARGET_MISSED, BadInput, command

if TYPE_CHECKING:  # the store imports boto3: building the CLI's parser must not
    from mentionwatch.store.dynamodb import MentionStore


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("mention_id", metavar="MENTION_ID", help="a mention id, e.g. x:1854412345678901234")


def run_raw(args: argparse.Namespace, out: TextIO, err: TextIO, store: MentionStore) -> int:
    mention_id = args.mention_id.strip()
    if not mention_id or len(mention_id) > 512:
        raise BadInput("MENTION_ID must be 1 to 512 characters")
    mention = store.get(mention_id)
    if mention is None:
        print(f"mentionwatch raw: no mention {mention_id!r}", file=err)
        return EXIT_TARGET_MISSED
    found = store.raw_payload(mention)
    if found is None:
        print(f"mentionwatch raw: no raw payload kept for {mention_id!r} (expired, or not sent)", file=err)
        return EXIT_TARGET_MISSED
    out.write(json.dumps(found.model_dump(mode="json")) + "\n")
    return EXIT_OK


@command("raw", "print the raw payload a stored mention was made from", _configure)
def raw_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from mentionwatch import aws
    from mentionwatch.store.dynamodb import MentionStore

    table = os.environ.get("MENTIONWATCH_TABLE", "").strip()
    if not table:
        raise BadInput("environment variable MENTIONWATCH_TABLE is not set")
    return run_raw(args, out, err, MentionStore(aws.client("dynamodb"), table))
