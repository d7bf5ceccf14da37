"""The single-table key design. Every key the code writes or queries is built here (README: "Data model").

- mention: pk `MENTION#<id>`, sk `MENTION`
  - GSI1 open queue: `STATUS#<status>` / `SEV#<rank>#<created_at>#<id>`
  - GSI2 brand over time: `BRAND#<brand>#<YYYY-MM>` / `<created_at>#<id>`
  - GSI3 conversation, replies only (sparse): `THREAD#<platform>:<root id>` / `<created_at>#<id>`; the root post is
    read by its id, which is the thread key
  - GSI4 author: `AUTHOR#<platform>:<handle>` / `<created_at>#<id>`
- raw payload archive: pk `RAW#<YYYY-MM-DDTHH>` (the hour it was written), sk `<written at>#<batch id>#<chunk>`: the
  raw payloads of one batch's new mentions, compressed into one row (more when large), removed by TTL (`expiration`)
- version link: pk `MENTION#<platform>:<id of a later version>`, sk `VERSION_OF` → `mention_id`: an edited post's
  other ids (X edits) lead to its mention, so a deletion naming any version deletes it
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentionwatch.models import Mention, MentionStatus, Severity

MENTION_SK = "MENTION"
VERSION_SK = "VERSION_OF"


def iso(moment: datetime) -> str:
    """Sortable UTC timestamp with fixed width, so string order is time order."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> datetime:
    """The moment `iso` wrote."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def due_of(sort_key: str) -> datetime:
    """The due time of a GSI5 sort key (`<iso due time>#<id>`)."""
    return from_iso(sort_key.split("#", 1)[0])


def mention_pk(mention_id: str) -> str:
    return f"MENTION#{mention_id}"


def raw_archive_pk(moment: datetime) -> str:
    # Hour partitions: a day of batches spreads over 24 keys, and a mention's payload is found from its stored_at.
    return f"RAW#{moment:%Y-%m-%dT%H}"


def raw_archive_sk(written_at: datetime, batch_id: str, chunk: int) -> str:
    return f"{iso(written_at)}#{batch_id}#{chunk:03d}"


def status_pk(status: MentionStatus | str) -> str:
    return f"STATUS#{MentionStatus(status).value}"


def queue_sk(severity: Severity, created_at: datetime, mention_id: str) -> str:
    # Descending order puts critical first, and newest first within a severity.
    return f"SEV#{severity.rank}#{iso(created_at)}#{mention_id}"


def severity_prefix(severity: Severity) -> str:
    return f"SEV#{severity.rank}#"


def brand_bucket(brand: str, moment: datetime) -> str:
    # Month buckets keep one brand's partition from growing without bound and still make ranges cheap.
    return f"BRAND#{brand}#{moment:%Y-%m}"


def time_sk(created_at: datetime, mention_id: str) -> str:
    return f"{iso(created_at)}#{mention_id}"


def position_of(index_sort_key: str) -> tuple[str, str]:
    """(created_at, id) of a mention from its GSI1, GSI2 or GSI3 sort key: lists are ordered by it."""
    if index_sort_key.startswith("SEV#"):
        index_sort_key = index_sort_key.split("#", 2)[2]
    created_at, _, mention_id = index_sort_key.partition("#")
    return (created_at, mention_id)


def thread_pk(thread_key: str) -> str:
    return f"THREAD#{thread_key}"


def author_key(mention: Mention) -> str:
    return f"{mention.platform.value}:{mention.author.handle.lower()}"


def author_pk(key: str) -> str:
    return f"AUTHOR#{key}"


def is_reply(mention: Mention) -> bool:
    """Whether the mention answers a post of a conversation (a root post starts its own)."""
    return bool(mention.thread.root_id) and mention.thread.root_id != mention.native_id


def mention_keys(mention: Mention, status: MentionStatus, severity: Severity) -> dict[str, str]:
    keys = {
        "pk": mention_pk(mention.id),
        "sk": MENTION_SK,
        "GSI1PK": status_pk(status),
        "GSI1SK": queue_sk(severity, mention.created_at, mention.id),
        "GSI2PK": brand_bucket(mention.match.brand, mention.created_at),
        "GSI2SK": time_sk(mention.created_at, mention.id),
        "GSI4PK": author_pk(author_key(mention)),
        "GSI4SK": time_sk(mention.created_at, mention.id),
    }
    if is_reply(mention):
        # Only replies sit in the thread index: most posts start no conversation, and a root is found by its id
        # (the thread key), so a post nobody answers costs no index copy.
        keys |= {"GSI3PK": thread_pk(mention.thread_key), "GSI3SK": time_sk(mention.created_at, mention.id)}
    return keys


DUE_PAGES = "DUE#page"
PAGE_GRACE = timedelta(minutes=3)  # longer than the process function's timeout: the sweeper never races it


def unpaged_keys(mention_id: str, stored_at: datetime) -> dict[str, str]:
    """GSI5 (sparse, due work) for an urgent mention whose page is not yet recorded, due after `PAGE_GRACE`."""
    return {"GSI5PK": DUE_PAGES, "GSI5SK": f"{iso(stored_at + PAGE_GRACE)}#{mention_id}"}


DUE_CLOCK_CHECKS = "DUE#respond"


def clock_check_keys(mention_id: str, stored_at: datetime) -> dict[str, str]:
    """GSI5 for a respond mention until the sweeper has seen its respond clock running, due after `PAGE_GRACE`."""
    return {"GSI5PK": DUE_CLOCK_CHECKS, "GSI5SK": f"{iso(stored_at + PAGE_GRACE)}#{mention_id}"}
