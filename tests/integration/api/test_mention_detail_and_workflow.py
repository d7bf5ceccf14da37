"""GET and PATCH /mentions/{id} through the real handler: the full mention, workflow steps, concurrency."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentionwatch.store.items import AlertRecord
from tests.api_support import BASE, ID_TOKEN_CLAIMS, item


@pytest.fixture
def thread(store):
    store.put_new(item("100", 0, text="Flight cancelled and nobody tells us anything"))
    store.put_new(item("101", 5, root_id="100", text="Same here, stuck at the gate"))
    store.put_new(item("102", 9, root_id="100", team="care", text="Any update?"))
    store.record_alert("x:100", AlertRecord(message_id="m-1", sent_at=BASE + timedelta(minutes=1)))


def test_a_mention_comes_with_sentiment_triage_alerts_and_thread(thread, call):
    response = call("GET", "/mentions/x:101")

    assert response.status == 200
    body = response.body
    assert body["mention"]["text"] == "Same here, stuck at the gate"
    assert body["sentiment"]["label"] == "NEGATIVE"
    assert body["triage"]["reasons"] == ["negative sentiment"]
    assert body["triage"]["suggested_response"].startswith("Sorry to hear that")
    assert [row["id"] for row in body["thread"]] == ["x:102", "x:100"]
    assert body["version"] == 1 and body["history"] == []


def test_alert_history_is_part_of_the_mention(thread, call):
    body = call("GET", "/mentions/x:100").body

    assert body["alert_state"] == "sent"
    assert [alert["message_id"] for alert in body["alerts"]] == ["m-1"]


def test_the_thread_context_of_a_team_scoped_caller_leaves_out_other_teams(thread, call):
    body = call("GET", "/mentions/x:101", claims=ID_TOKEN_CLAIMS | {"custom:team": "social"}).body

    assert [row["id"] for row in body["thread"]] == ["x:100"]


def test_a_percent_encoded_id_is_the_same_mention(thread, call):
    assert call("GET", "/mentions/x%3A100").body["id"] == "x:100"


def test_an_unknown_mention_is_404(table, call):
    response = call("GET", "/mentions/x:999")

    assert response.status == 404 and response.body["error"]["field"] == "id"


@pytest.mark.parametrize("raw_id", ["42", "myspace:42", "x:", "x:4%232", ":42", "x:" + "9" * 300])
def test_a_malformed_id_is_400_naming_the_id(table, call, raw_id):
    response = call("GET", f"/mentions/{raw_id}")

    assert response.status == 400 and response.body["error"]["field"] == "id"


def test_another_teams_mention_looks_missing(thread, call):
    response = call("GET", "/mentions/x:102", claims=ID_TOKEN_CLAIMS | {"custom:team": "social"})

    assert response.status == 404


# --- PATCH ----------------------------------------------------------------------------------------------
def test_acknowledge_records_who_and_when_and_bumps_the_version(thread, call):
    response = call("PATCH", "/mentions/x:100", body={"action": "acknowledge", "version": 1})

    assert response.status == 200
    body = response.body
    assert body["status"] == "acknowledged" and body["version"] == 2
    assert body["acknowledged_by"] == "agent@example.com" and body["acknowledged_at"]
    assert body["history"][0]["actor"] == "agent@example.com"
    assert body["history"][0]["from_status"] == "new" and body["history"][0]["to_status"] == "acknowledged"
    assert call("GET", "/mentions", query={"status": "acknowledged"}).body["items"][0]["id"] == "x:100"


def test_the_whole_lifecycle_new_acknowledged_responded_resolved_and_reopened(thread, call):
    steps = [
        ({"action": "acknowledge"}, "acknowledged"),
        ({"action": "assign", "assignee": "sam@example.com"}, "acknowledged"),
        (
            {"action": "respond", "response_kind": "public_reply", "response_link": "https://x.com/acme/status/9"},
            "responded",
        ),
        ({"action": "resolve", "note": "customer rebooked"}, "resolved"),
        ({"action": "reopen"}, "acknowledged"),
    ]
    version = 1
    for change, status in steps:
        response = call("PATCH", "/mentions/x:100", body=change | {"version": version})
        assert response.status == 200, response.body
        assert response.body["status"] == status
        version = response.body["version"]

    body = call("GET", "/mentions/x:100").body
    assert [event["action"] for event in body["history"]] == ["acknowledge", "assign", "respond", "resolve", "reopen"]
    assert body["assignee"] == "sam@example.com"
    assert body["history"][2]["response_link"] == "https://x.com/acme/status/9"
    assert body["responded_at"] and body["resolved_at"]


def test_moving_a_conversation_offline_counts_as_a_response(thread, call):
    response = call(
        "PATCH", "/mentions/x:100", body={"action": "respond", "response_kind": "moved_offline", "version": 1}
    )

    assert response.body["status"] == "responded"
    assert response.body["history"][0]["response_kind"] == "moved_offline"


def test_a_stale_version_gets_409_and_changes_nothing(thread, call):
    call("PATCH", "/mentions/x:100", body={"action": "acknowledge", "version": 1})

    response = call("PATCH", "/mentions/x:100", body={"action": "resolve", "version": 1})

    assert response.status == 409
    assert response.body["error"] == {
        "code": "version_conflict",
        "message": "mention 'x:100' is at version 2, not 1; fetch it and retry",
        "field": "version",
    }
    assert call("GET", "/mentions/x:100").body["status"] == "acknowledged"


def test_a_step_the_status_does_not_allow_gets_409(thread, call):
    call("PATCH", "/mentions/x:100", body={"action": "resolve", "version": 1})

    response = call("PATCH", "/mentions/x:100", body={"action": "acknowledge", "version": 2})

    assert response.status == 409
    assert response.body["error"]["code"] == "invalid_transition"
    assert response.body["error"]["field"] == "action"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "archive", "version": 1}, "action"),
        ({"action": "acknowledge"}, "version"),
        ({"action": "acknowledge", "version": 0}, "version"),
        ({"action": "acknowledge", "version": 1, "colour": "red"}, "colour"),
        ({"action": "assign", "version": 1}, "assignee"),
        ({"action": "acknowledge", "version": 1, "assignee": "sam"}, "assignee"),
        ({"action": "respond", "version": 1}, "response_kind"),
        ({"action": "respond", "version": 1, "response_kind": "public_reply"}, "response_link"),
        (
            {"action": "respond", "version": 1, "response_kind": "public_reply", "response_link": "javascript:x"},
            "response_link",
        ),
        ({"action": "resolve", "version": 1, "response_link": "https://x.com/a/status/1"}, "response_link"),
    ],
)
def test_a_bad_change_is_400_naming_the_field_and_changes_nothing(thread, call, body, field):
    response = call("PATCH", "/mentions/x:100", body=body)

    assert response.status == 400
    assert response.body["error"]["field"] == field
    assert call("GET", "/mentions/x:100").body["version"] == 1


@pytest.mark.parametrize("raw_body", ["{", "[]", "null", '"acknowledge"'])
def test_a_body_that_is_not_a_json_object_is_400(thread, call, raw_body):
    response = call("PATCH", "/mentions/x:100", raw_body=raw_body)

    assert response.status == 400
    assert response.body["error"]["field"]


def test_changing_an_unknown_mention_is_404(table, call):
    response = call("PATCH", "/mentions/x:404", body={"action": "acknowledge", "version": 1})

    assert response.status == 404


def test_a_team_scoped_caller_cannot_change_another_teams_mention(thread, call):
    response = call(
        "PATCH",
        "/mentions/x:102",
        body={"action": "acknowledge", "version": 1},
        claims=ID_TOKEN_CLAIMS | {"custom:team": "social"},
    )

    assert response.status == 404
    assert call("GET", "/mentions/x:102").body["status"] == "new"


# --- hidden and deleted on the platform ------------------------------------------------------------------
def test_a_mention_hidden_on_its_platform_says_so_and_when_until_it_is_shown_again(thread, store, call, openapi):
    # Given a stored mention its platform then hid (Meta `hide`), received an hour after it was posted
    stored = store.get("x:101")
    hide = stored.mention.model_copy(update={"hidden": True, "received_at": BASE + timedelta(hours=1)})
    assert store.set_hidden(hide, True)

    # Then the mention and every list that still shows it say it is hidden, and since when
    detail = call("GET", "/mentions/x:101").body
    assert detail["hidden"] is True and detail["hidden_at"] == "2026-11-20T10:00:00Z"
    assert detail["deleted"] is False and detail["deleted_at"] is None
    listed = {row["id"]: row for row in call("GET", "/mentions", query={"brand": "acme"}).body["items"]}
    assert listed["x:101"]["hidden"] is True and listed["x:100"]["hidden"] is False
    assert [row["hidden"] for row in call("GET", "/mentions/x:100").body["thread"] if row["id"] == "x:101"] == [True]
    # And the OpenAPI document describes both fields
    schemas = openapi["components"]["schemas"]
    assert "hidden" in schemas["MentionDetail"]["properties"] and "hidden_at" in schemas["MentionDetail"]["properties"]
    assert "hidden" in schemas["MentionSummary"]["properties"]

    # When the platform shows it again (`unhide`), it is no longer hidden and carries no hidden time
    assert store.set_hidden(hide.model_copy(update={"hidden": False}), False)
    shown = call("GET", "/mentions/x:101").body
    assert shown["hidden"] is False and shown["hidden_at"] is None


def test_a_mention_deleted_on_its_platform_says_when(thread, store, call):
    deletion = store.get("x:102").mention.model_copy(update={"deleted": True, "received_at": BASE + timedelta(hours=2)})
    assert store.mark_deleted(deletion)

    detail = call("GET", "/mentions/x:102").body

    assert detail["deleted"] is True and detail["deleted_at"] == "2026-11-20T11:00:00Z" and detail["hidden"] is False
