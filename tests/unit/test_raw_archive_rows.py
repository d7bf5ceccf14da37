"""Archive rows of raw payloads: compressed, split in halves while a row would pass its size limit, and read back
as written."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from mentionwatch.store import items as store_items
from mentionwatch.store.items import RAW_ARCHIVE_BYTES, RawArchiveItem, RawPayload, raw_archive_rows

WRITTEN = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


def payload(number: int, size: int) -> RawPayload:
    noise = os.urandom(size).hex()  # hex of random bytes compresses to about half: `size` bytes compressed
    return RawPayload(mention_id=f"x:{number}", source="x", payload={"id": str(number), "blob": noise})


def test_payloads_that_would_pass_the_limit_are_split_into_rows_under_it_and_read_back_in_order() -> None:
    payloads = [payload(number, 40_000) for number in range(24)]  # about 960 KB: three rows at least

    rows = raw_archive_rows(payloads, WRITTEN, "batch1", expiration=1_800_000_000)

    assert len(rows) >= 3
    assert all(len(compressed) <= RAW_ARCHIVE_BYTES for _, compressed in rows)
    read = [RawArchiveItem.from_item(row.to_item(compressed)) for row, compressed in rows]
    assert [each.chunk for each in read] == list(range(len(rows)))
    assert [p for each in read for p in each.payloads] == payloads
    keys = {(row.to_item()["pk"]["S"], row.to_item()["sk"]["S"]) for row, _ in rows}
    assert len(keys) == len(rows) and {pk for pk, _ in keys} == {"RAW#2026-12-01T10"}


def test_one_payload_too_large_alone_is_archived_as_its_size_and_digest(monkeypatch) -> None:
    monkeypatch.setattr(store_items, "RAW_ARCHIVE_BYTES", 10_000)
    big, small = payload(1, 30_000), payload(2, 100)

    rows = raw_archive_rows([big, small], WRITTEN, "batch2", expiration=1_800_000_000)

    archived = {p.mention_id: p.payload for row, _ in rows for p in row.payloads}
    assert archived["x:2"] == small.payload
    assert archived["x:1"]["truncated"] is True and len(archived["x:1"]["sha256"]) == 64
    assert archived["x:1"]["bytes"] > 30_000


def test_similar_payloads_compress_to_a_fraction_of_their_json() -> None:
    payloads = [
        RawPayload(
            mention_id=f"x:{n}",
            source="x",
            payload={"data": {"id": str(10**18 + n), "text": f"My flight {n} is delayed again", "lang": "en"}},
        )
        for n in range(80)
    ]
    [(row, compressed)] = raw_archive_rows(payloads, WRITTEN, "batch3", expiration=1)

    plain = sum(len(p.model_dump_json()) for p in payloads)
    assert len(compressed) < plain / 4
    assert row.to_item(compressed)["payloads"] == {"B": compressed}
