"""How many of feedparser's own well-formed test feeds the RSS poller yields mentions from, beside feedparser.

    .venv/bin/python bench/rss_feedparser_tests.py PATH/TO/feedparser/tests/wellformed

Nothing of feedparser's test suite is kept in this repository: fetch it (github.com/kurtmckee/feedparser,
`tests/wellformed`) and pass the folder. Each feed goes through the real poller (`RssPoller.poll`, an entry
kept whatever it names) over a scripted HTTP answer. Prints, for the poller and for feedparser itself, the
feeds with at least one item, and for the poller's items: empty text, an author that is an e-mail address,
a date, an absolute link, a language.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from mentionwatch.config.watch import load_watch_config
from mentionwatch.pollers.base import Cursor, PollContext
from mentionwatch.pollers.http import HttpRequest, HttpResponse
from mentionwatch.pollers.rss import RssPoller
from mentionwatch.text import normalise_text

FEED_URL = "http://example.com/feeds/test.xml"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
WATCH = load_watch_config(
    f"""
brands:
  - name: bench
    keywords: [bench]
pollers:
  rss:
    feeds:
      - {{name: bench, brand: bench, url: "{FEED_URL}", match_all: true}}
"""
)


def _text_of(entry: dict) -> str:  # type: ignore[type-arg]
    parts = [entry.get("title") or "", entry.get("summary") or ""]
    parts += [content.get("value") or "" for content in entry.get("content") or []]
    return " ".join(normalise_text(part) for part in parts).strip()


class OneDocument:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def send(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=200, headers={"content-type": "application/xml"}, body=self.body)


def main(folder: Path) -> int:
    paths = sorted(folder.rglob("*.xml"))
    if not paths:
        print(f"no .xml files under {folder}", file=sys.stderr)
        return 2
    assert WATCH.pollers.rss is not None
    poller = RssPoller(WATCH.pollers.rss)
    query = WATCH.pollers.rss.feeds[0]
    ours = theirs = 0
    stats: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    started = time.perf_counter()
    for path in paths:
        body = path.read_bytes()
        reference = feedparser.parse(body).get("entries") or []
        if reference:
            theirs += 1
        stats["entries with text (feedparser, markup stripped)"] += sum(bool(_text_of(e)) for e in reference)
        context = PollContext(watch=WATCH, http=OneDocument(body), now=NOW, secrets={})
        try:
            outcome = poller.poll(query, Cursor(source="rss", query="bench"), context)
        except Exception as err:  # noqa: BLE001 - a bench counts every kind of failure
            refusals[f"{type(err).__name__}: {str(err)[:60]}"] += 1
            continue
        if outcome.mentions:
            ours += 1
        for item in outcome.mentions:
            mention = item.mention
            stats["items"] += 1
            stats["empty text"] += not mention.text
            stats["items with text"] += bool(mention.text)
            stats["author is an e-mail"] += bool(EMAIL.search(mention.author.handle))
            stats["dated (not the poll time)"] += mention.created_at != NOW
            stats["absolute link"] += bool(mention.permalink and re.match(r"^[a-z][a-z0-9+.-]*:", mention.permalink))
            stats["language"] += mention.language is not None
    elapsed = time.perf_counter() - started
    print(f"feeds: {len(paths)} in {elapsed:.1f} s")
    print(f"feeds with items: poller {ours}, feedparser {theirs}")
    for name in (
        "items",
        "items with text",
        "entries with text (feedparser, markup stripped)",
        "empty text",
        "author is an e-mail",
        "dated (not the poll time)",
        "absolute link",
        "language",
    ):
        print(f"  {name}: {stats[name]}")
    for reason, count in refusals.most_common(8):
        print(f"  refused {count}: {reason}")
    return 0 if ours >= theirs else 1


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/wellformed")))
