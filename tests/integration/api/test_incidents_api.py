"""GET /incidents and GET /incidents/{id} through the real handler, on incidents stored by the alerting store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from mentionwatch.alerts.records import Incident, IncidentKind, IncidentStatus, Post, TimelineEntry
from mentionwatch.store.alerts_dynamodb import AlertStore
from tests.api_support import ID_TOKEN_CLAIMS

OPENED = datetime(2026, 11, 24, 9, 20, tzinfo=UTC)
RANGE = {"since": "2026-11-23T00:00:00Z", "until": "2026-11-26T00:00:00Z"}
CARE = ID_TOKEN_CLAIMS | {"custom:team": "customer-care"}


def incident(key: str, minutes: int, *, team: str = "social", kind: IncidentKind = IncidentKind.THREAD, **extra):
    opened = OPENED + timedelta(minutes=minutes)
    return Incident(
        key=key,
        kind=kind,
        brand=extra.pop("brand", "northwind"),
        team=team,
        severity=extra.pop("severity", "critical"),
        opened_at=opened,
        last_signal_at=opened + timedelta(minutes=30),
        closes_at=opened + timedelta(hours=3),
        **extra,
    )


@pytest.fixture
def incidents(table):
    store = AlertStore(boto3.client("dynamodb"), table)
    press = Post(
        mention_id="webhook:li-reply-009",
        platform="LinkedIn",
        handle="kim-adeyemi-ledger",
        reach=1_200_000,
        sentiment="NEUTRAL",
        excerpt="I'm a reporter at the Daily Ledger writing about this.",
        press=True,
    )
    root = Post(
        mention_id="webhook:li-7263001",
        platform="LinkedIn",
        handle="dan-morris",
        reach=8_400,
        sentiment="NEGATIVE",
        excerpt="Northwind's board should be sacked.",
    )
    thread = incident(
        "thread:webhook:li-7263001",
        0,
        platform="LinkedIn",
        root=root,
        mentions=106,
        replies=105,
        negative=86,
        press=3,
        max_reach=1_200_000,
        top_posts=(press, root),
        mention_ids=("webhook:li-7263001", "webhook:li-reply-009"),
        pages=2,
        status=IncidentStatus.ACKNOWLEDGED,
        acknowledged_at=OPENED + timedelta(minutes=5),
        acknowledged_by="oncall@example.com",
        linked_pages=("page:webhook:safety-01",),
        timeline=(
            TimelineEntry(at=OPENED, action="opened", note="amplification: 16 replies"),
            TimelineEntry(at=OPENED, action="paged", note="social on-call"),
        ),
    )
    for item in (
        thread,
        incident("author:x:angry", 60, team="customer-care", kind=IncidentKind.MENTION, severity="high"),
        incident("brand:southwind", 24 * 60, kind=IncidentKind.STORM, brand="southwind"),
        incident("brand:northwind", -3 * 24 * 60, kind=IncidentKind.SPIKE),  # 21 Nov: outside RANGE
    ):
        store.create_incident(item)
    return store


def test_incidents_are_listed_newest_first_with_what_how_bad_and_who(incidents, call):
    response = call("GET", "/incidents", query=RANGE)

    assert response.status == 200
    items = response.body["items"]
    assert [item["id"] for item in items] == [
        "brand:southwind#1",
        "author:x:angry#1",
        "thread:webhook:li-7263001#1",
    ]
    thread = items[2]
    assert thread["title"] == "LinkedIn thread about northwind by @dan-morris"
    assert thread["summary"] == "105 replies, 81% negative, 3 press/high-reach"
    assert thread["status"] == "resolved"  # its quiet period ended long before the test clock
    assert thread["safety_pages"] == ["webhook:safety-01"]
    assert thread["root"]["handle"] == "dan-morris"
    assert response.body["truncated"] is False


def test_incidents_filter_by_brand_kind_and_team(incidents, call):
    by_brand = call("GET", "/incidents", query=RANGE | {"brand": "southwind"}).body["items"]
    by_kind = call("GET", "/incidents", query=RANGE | {"kind": "mention"}).body["items"]
    by_team = call("GET", "/incidents", query=RANGE | {"team": "social"}).body["items"]

    assert [item["id"] for item in by_brand] == ["brand:southwind#1"]
    assert [item["id"] for item in by_kind] == ["author:x:angry#1"]
    assert {item["id"] for item in by_team} == {"brand:southwind#1", "thread:webhook:li-7263001#1"}


def test_limit_cuts_the_list_and_says_so(incidents, call):
    body = call("GET", "/incidents", query=RANGE | {"limit": 1}).body

    assert [item["id"] for item in body["items"]] == ["brand:southwind#1"]
    assert body["truncated"] is True


def test_a_team_scoped_caller_sees_only_its_team_incidents(incidents, call):
    listed = call("GET", "/incidents", query=RANGE, claims=CARE)
    other_team = call("GET", "/incidents", query=RANGE | {"team": "social"}, claims=CARE)
    hidden = call("GET", "/incidents/thread:webhook:li-7263001%231", claims=CARE)

    assert [item["id"] for item in listed.body["items"]] == ["author:x:angry#1"]
    assert other_team.status == 403 and other_team.body["error"]["field"] == "team"
    assert hidden.status == 404


def test_one_incident_in_full_with_posts_by_reach_and_timeline(incidents, call):
    response = call("GET", "/incidents/thread:webhook:li-7263001%231")

    assert response.status == 200
    body = response.body
    assert body["acknowledged_by"] == "oncall@example.com"
    assert [post["handle"] for post in body["top_posts"]] == ["kim-adeyemi-ledger", "dan-morris"]
    assert body["top_posts"][0]["press"] is True
    assert [entry["action"] for entry in body["timeline"]] == ["opened", "paged"]
    assert body["mention_ids"] == ["webhook:li-7263001", "webhook:li-reply-009"]


def test_the_same_incident_key_keeps_each_generation_apart(incidents, call):
    missing = call("GET", "/incidents/thread:webhook:li-7263001%232")

    assert missing.status == 404 and missing.body["error"]["field"] == "id"


@pytest.mark.parametrize(
    "raw_id", ["thread:webhook:li-7263001", "page:x:1%231", "thread:x:1%230", "nonsense", "thread:a%20b%231"]
)
def test_a_malformed_incident_id_is_400_naming_id(table, call, raw_id):
    response = call("GET", f"/incidents/{raw_id}")

    assert response.status == 400 and response.body["error"]["field"] == "id"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "2026-10-01T00:00:00Z", "until": "2026-11-20T00:00:00Z"}, "since"),
        ({"since": "2026-11-20T00:00:00Z", "until": "2026-11-19T00:00:00Z"}, "since"),
        ({"status": "sleeping"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"teams": "social"}, "teams"),
        ({"brand": "a#b"}, "brand"),
    ],
)
def test_bad_incident_parameters_are_400_naming_the_field(table, call, query, field):
    response = call("GET", "/incidents", query=query)

    assert response.status == 400 and response.body["error"]["field"] == field
