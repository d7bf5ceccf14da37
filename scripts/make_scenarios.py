"""Writes the seed scenarios of `mentionwatch replay` to events/scenarios/ (deterministic: a fixed seed).

    python scripts/make_scenarios.py

Each scenario is a stream in the format of events/mention-stream.jsonl (Standard Webhooks `mention.created`
events). The texts are invented; follower counts, URLs and timings follow the situations issue 10 describes.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "events" / "scenarios"

NEGATIVE_REPLIES = [
    "Agree. The board has let every passenger down this month.",
    "Same here, cancelled twice in one week and nobody explains anything.",
    "Absolutely. Worst airline I have flown with this year.",
    "Three hours in the queue at the desk and the staff had no answers.",
    "They cancelled my flight and rebooked me two days later. Unacceptable.",
    "Northwind management clearly does not care about customers any more.",
    "Terrible communication, the app said on time until we reached the gate.",
    "My parents were stranded overnight with no hotel. Shameful.",
    "I want my money back, not another voucher.",
    "This has been going on for months, the board must go.",
    "Awful customer service, still waiting for a reply to my complaint from October.",
    "The worst part is the silence. Not one word from Northwind.",
]
OTHER_REPLIES = [
    "The crews do their best, this is a management problem.",
    "Flew with them yesterday and it was fine, to be fair.",
    "Interesting thread. Has Northwind said anything official yet?",
    "Sharing this with my network.",
]
PRIVATE_BITS = [
    " Call me on +44 7700 900123 if Northwind wants to talk.",
    " Email me at jane.doe@example.com, Northwind.",
    "",
    "",
    "",
    "",
]


def event(at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"type": "mention.created", "timestamp": stamp, "data": {"created_at": stamp, "language": "en", **data}}


def author(handle: str, followers: int, verified: bool = False) -> dict[str, Any]:
    return {"handle": handle, "followers": followers, "verified": verified}


def thread_scenario(rng: random.Random) -> list[dict[str, Any]]:
    """A LinkedIn post calling for the board to be sacked, then 105 replies in 2 hours, most negative; three
    journalists join early."""
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    root = "li-7263001"
    url = "https://www.linkedin.com/posts/dan-morris_northwind-activity-7263001"
    events = [
        event(
            start,
            {
                "id": root,
                "text": "Northwind's board should be sacked. Three cancelled flights in one week, no explanation, "
                "no apology. Who else has had enough?",
                "author": author("dan-morris", 8400),
                "brand": "northwind",
                "url": url,
                "engagement": {"likes": 40, "replies": 0, "reposts": 3},
            },
        )
    ]
    press = {
        9: (
            "kim-adeyemi-ledger",
            1_200_000,
            "I'm a reporter at the Daily Ledger writing about this. Has anyone "
            "from Northwind replied to you? Please message me.",
        ),
        15: (
            "newsroom-890",
            890_000,
            "We are collecting passenger accounts about Northwind cancellations for tonight's bulletin.",
        ),
        22: ("aviation-weekly-tom", 240_000, "Following this thread for a piece on Northwind's operations."),
    }
    for number in range(1, 106):
        at = start + timedelta(minutes=2) + timedelta(seconds=int(number * 67 + rng.randint(-20, 20)))
        if number in press:
            handle, followers, text = press[number]
        else:
            handle = f"member-{number:03d}"
            followers = rng.randint(80, 2500)
            if number == 40:
                handle = "+1 415 555 0134"  # some integrations give a phone number as the author
            if number == 41:
                handle = "pat.lee@example.org"
            pool = NEGATIVE_REPLIES if rng.random() < 0.78 else OTHER_REPLIES
            text = rng.choice(pool) + rng.choice(PRIVATE_BITS)
        events.append(
            event(
                at,
                {
                    "id": f"li-reply-{number:03d}",
                    "text": text,
                    "author": author(handle, followers, verified=followers > 100_000),
                    "brand": "northwind",
                    "url": f"{url}?commentUrn=reply-{number:03d}",
                    "thread": {"root_id": root, "parent_id": root},
                },
            )
        )
    return events


VIRAL_TEXTS = [
    "Just watched the Northwind gate video. Disgusting way to treat a family.",
    "That Northwind video is awful. Never flying with them again.",
    "How is the Northwind gate agent still employed after that video?",
    "Northwind owes that family an apology. Terrible.",
    "Watched the Northwind clip three times, still angry.",
    "The way Northwind staff spoke to that mother is shameful.",
    "Boycott Northwind until they explain that video.",
    "Northwind customer service in one video. Appalling.",
]
VIRAL_NEUTRAL = [
    "Has anyone seen the Northwind video everyone is sharing?",
    "Waiting to hear Northwind's side of the gate video story.",
    "The Northwind video is everywhere on my feed today.",
]
HOSTS = [
    "https://x.com/{h}/status/{i}",
    "https://www.tiktok.com/@{h}/video/{i}",
    "https://www.facebook.com/{h}/posts/{i}",
    "https://www.instagram.com/p/{i}/",
]


def viral_scenario(rng: random.Random) -> list[dict[str, Any]]:
    """A video goes viral: 400 posts in 30 minutes, mostly negative, with two high-reach press accounts asking
    for comment (neutral) and two negative influencers."""
    start = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    special = {
        35: (
            "daily_ledger_news",
            1_200_000,
            "Northwind has not responded to our request for comment on the gate video. We will update this story.",
        ),
        120: (
            "newsroom890",
            890_000,
            "Video shows a Northwind gate agent refusing boarding to a family. We have asked Northwind for comment.",
        ),
        60: ("travel_with_maya", 310_000, "This Northwind video is disgusting. I will never fly Northwind again."),
        210: (
            "frequent_flyer_joe",
            150_000,
            "Awful, awful video. Northwind should be ashamed of how they treat customers.",
        ),
    }
    events = []
    for number in range(1, 401):
        at = start + timedelta(seconds=int(number * 4.5))
        if number in special:
            handle, followers, text = special[number]
        else:
            handle = f"viewer{number:03d}"
            followers = rng.randint(20, 4000)
            text = rng.choice(VIRAL_TEXTS if rng.random() < 0.85 else VIRAL_NEUTRAL)
            if number == 77:
                text += " Complaints line is 0800 123 4567 btw, or email help-desk@example.com"
        native = f"vid-{number:03d}"
        events.append(
            event(
                at,
                {
                    "id": native,
                    "text": text,
                    "author": author(handle, followers, verified=followers > 100_000),
                    "brand": "northwind",
                    "url": rng.choice(HOSTS).format(h=handle, i=9_000_000 + number),
                },
            )
        )
    return events


def safety_storm_scenario(rng: random.Random) -> list[dict[str, Any]]:
    """Legal threats pile up into a storm (acknowledged by the replay's on-call), then a parent reports a child
    hurt: it must page on its own within the same minute."""
    start = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    threats = [
        "I am calling my lawyer about the Northwind refund they still refuse to pay.",
        "Northwind, see you in small claims court over my lost bag.",
        "Filing a complaint with the consumer protection office about Northwind today.",
        "Northwind ignored my refund request for the third time, legal action next.",
        "My attorney will be in touch, Northwind. Enough is enough.",
        "Reporting Northwind to the ombudsman for the cancelled flight refund.",
        "Northwind: class action forming about the November cancellations, who is in?",
        "Taking Northwind to court over the refund, done waiting.",
        "I will sue Northwind if the refund is not paid this week.",
        "Small claims court it is, Northwind. Still no refund.",
    ]
    events = []
    for number, text in enumerate(threats, start=1):
        at = start + timedelta(minutes=number)
        events.append(
            event(
                at,
                {
                    "id": f"storm-{number:02d}",
                    "text": text,
                    "author": author(f"customer_{number:02d}", rng.randint(100, 3000)),
                    "brand": "northwind",
                    "url": f"https://x.com/customer_{number:02d}/status/{700 + number}",
                },
            )
        )
    events.append(
        event(
            start + timedelta(minutes=20, seconds=30),
            {
                "id": "safety-01",
                "text": "My daughter was badly hurt when an overhead bin fell on her on Northwind flight NW88. Nobody "
                "from the crew helped us. Call me on +44 7700 900456.",
                "author": author("worried.parent@example.com", 450),
                "brand": "northwind",
                "url": "https://www.facebook.com/worried.parent/posts/8812",
            },
        )
    )
    return events


def unacknowledged_scenario(rng: random.Random) -> list[dict[str, Any]]:
    """A safety post at night that nobody acknowledges: the page climbs the escalation policy."""
    start = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    events = [
        event(
            start + timedelta(minutes=3 * number),
            {
                "id": f"night-{number}",
                "text": text,
                "author": author(f"night_owl_{number}", rng.randint(50, 900)),
                "brand": "northwind",
                "url": f"https://bsky.app/profile/night_owl_{number}/post/{number}",
            },
        )
        for number, text in enumerate(
            [
                "Late flight again with Northwind, at least the crew was friendly.",
                "Anyone know if the Northwind lounge in Denver is open late?",
            ],
            start=1,
        )
    ]
    events.append(
        event(
            start + timedelta(minutes=10),
            {
                "id": "night-critical",
                "text": "Smoke filling the cabin on Northwind NW512 right now, crew look scared, we are making an "
                "emergency landing. Please someone tell Northwind.",
                "author": author("sam.eyewitness", 15_000),
                "brand": "northwind",
                "url": "https://www.linkedin.com/posts/sam-eyewitness_nw512-activity-99",
            },
        )
    )
    return events


def duplicates_scenario(rng: random.Random) -> list[dict[str, Any]]:
    """The same LinkedIn post through two integrations (different ids, the URL written differently), the second
    after the cooldown; plus one more post by someone else."""
    start = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    text = (
        "Northwind lost my wheelchair on the flight to Boston and nobody will tell me where it is. This is a "
        "disgrace. Never again."
    )
    who = author("accessibility-advocate", 180_000, verified=True)
    return [
        event(
            start,
            {
                "id": "zapier-5521",
                "text": text,
                "author": who,
                "brand": "northwind",
                "url": "https://www.linkedin.com/posts/accessibility-advocate_activity-555/?utm_source=share"
                "&utm_medium=member_desktop",
            },
        ),
        event(
            start + timedelta(minutes=45),
            {
                "id": "make-9f8e2",
                "text": text,
                "author": who,
                "brand": "northwind",
                "url": "http://WWW.LinkedIn.com/posts/accessibility-advocate_activity-555",
            },
        ),
        event(
            start + timedelta(minutes=50),
            {
                "id": "zapier-5522",
                "text": "Flew Northwind today, smooth trip and a friendly crew.",
                "author": author("happy.flyer", 300),
                "brand": "northwind",
                "url": "https://www.linkedin.com/posts/happy-flyer_activity-556",
            },
        ),
    ]


SCENARIOS = {
    "thread-105-replies": thread_scenario,
    "viral-burst-400": viral_scenario,
    "safety-during-storm": safety_storm_scenario,
    "unacknowledged-critical": unacknowledged_scenario,
    "duplicates-across-integrations": duplicates_scenario,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in SCENARIOS.items():
        events = build(random.Random(name))  # noqa: S311 - invented texts, not secrets
        with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for item in events:
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"{name}: {len(events)} events")


if __name__ == "__main__":
    main()
