from __future__ import annotations

from datetime import timedelta

from mentionwatch.models import Platform
from mentionwatch.pollers.base import Cursor, InMemoryCursorStore
from mentionwatch.pollers.runner import run_poll

TIMELINE = "https://social.example/api/v1/timelines/tag/acmeair"


def status(kit, status_id, text="Acme Air #acmeair"):
    template = kit.fixture_json("mastodon/tag_timeline.json")[1]
    return kit.copy_with(
        template,
        id=status_id,
        uri=f"https://social.example/users/lena/statuses/{status_id}",
        content=f"<p>{text}</p>",
    )


def poll(watch, store, http, kit, secrets=None, now=None):
    return run_poll(watch, "mastodon", cursor_store=store, http=http, now=now or kit.now, secrets=secrets or {})


def test_first_run_takes_the_newest_page_and_remembers_the_newest_id(watch, http, kit):
    http.on("GET", TIMELINE, kit.respond(200, kit.fixture_json("mastodon/tag_timeline.json")))
    store = InMemoryCursorStore()

    result = poll(watch, store, http, kit)

    assert dict(http.requests[0].params) == {"limit": "40"}
    kai, lena = (item.mention for item in result.mentions)
    assert kai.platform is Platform.MASTODON
    assert kai.native_id == "fosstodon.example/users/kai/statuses/113512399999999999"
    assert kai.author.handle == "kai@fosstodon.example"
    assert kai.text == "Acme Air wifi actually worked the whole flight #acmeair"
    assert kai.match.keywords[0] == "#acmeair"
    assert lena.text == "complaint Koffer weg. Danke #AcmeAir </3"
    assert lena.author.handle == "lena@social.example"
    assert store.get("mastodon", "acmeair-tag").position == "113512400000000002"


def test_next_run_pages_forward_with_min_id_until_a_short_page(watch, http, kit):
    # Given a cursor at id 100 and 40 + 1 newer statuses
    store = InMemoryCursorStore()
    store.put(Cursor(source="mastodon", query="acmeair-tag", position="113512400000000100"))
    full = [status(kit, str(113512400000000200 - n)) for n in range(40)]  # newest first, like Mastodon
    short = [status(kit, "113512400000000300")]
    http.on("GET", TIMELINE, kit.respond(200, full), kit.respond(200, short))

    # When polled
    result = poll(watch, store, http, kit)

    # Then each page starts right after the previous one and every status is emitted once
    first, second = http.requests
    assert first.params["min_id"] == "113512400000000100"
    assert second.params["min_id"] == "113512400000000200"
    assert len(result.mentions) == 41
    assert len({m.mention.id for m in result.mentions}) == 41
    assert store.get("mastodon", "acmeair-tag").position == "113512400000000300"


def test_429_keeps_the_progress_of_pages_already_read(watch, http, kit):
    store = InMemoryCursorStore()
    store.put(Cursor(source="mastodon", query="acmeair-tag", position="113512400000000100"))
    full = [status(kit, str(113512400000000200 - n)) for n in range(40)]
    reset = (kit.now + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    http.on(
        "GET",
        TIMELINE,
        kit.respond(200, full),
        kit.respond(429, {"error": "Too many requests"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}),
    )

    result = poll(watch, store, http, kit)

    cursor = store.get("mastodon", "acmeair-tag")
    assert len(result.mentions) == 40
    assert cursor.position == "113512400000000200"
    assert cursor.backoff_until == kit.now + timedelta(minutes=5)
    assert result.queries[0].rate_limited is True


def test_access_token_is_sent_when_configured(watch, http, kit):
    http.on("GET", TIMELINE, kit.respond(200, []))
    poll(watch, InMemoryCursorStore(), http, kit, secrets={"access_token": "mastodon-token-test"})
    assert http.requests[0].headers["Authorization"] == "Bearer mastodon-token-test"


def test_private_statuses_and_boosts_on_the_timeline_are_skipped(watch, http, kit):
    private = kit.copy_with(status(kit, "113512400000000005"), visibility="private")
    boost = kit.copy_with(status(kit, "113512400000000004"), reblog=status(kit, "1"))
    http.on("GET", TIMELINE, kit.respond(200, [private, boost, status(kit, "113512400000000003")]))

    result = poll(watch, InMemoryCursorStore(), http, kit)

    assert [m.mention.native_id.rsplit("/", 1)[1] for m in result.mentions] == ["113512400000000003"]
