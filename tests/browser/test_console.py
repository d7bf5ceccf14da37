"""The triage console in a real headless Chromium against the local stack with the demo's mentions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CONSOLE_TOKEN, DemoStack, screenshot

pytestmark = pytest.mark.e2e


def sign_in(page: Any) -> None:
    expect(page.get_by_role("heading", name="Sign in to mentionwatch")).to_be_visible()
    page.get_by_label("Access token").fill(CONSOLE_TOKEN)
    page.get_by_role("button", name="Sign in").click()


def queue_ids(page: Any) -> list[str]:
    rows = page.locator("ol.queue > li")
    expect(rows.first).to_be_visible()
    return [rows.nth(index).get_attribute("data-id") for index in range(rows.count())]


def test_sign_in_work_the_top_escalation_and_see_it_leave_the_queue(demo: DemoStack, open_browser):
    page = open_browser(1280, 900)

    # Given the console's shell, which holds no data until signed in
    page.goto(f"{demo.url}/console")
    expect(page.get_by_role("heading", name="Sign in to mentionwatch")).to_be_visible()
    assert "northwind" not in page.content().lower()
    screenshot(page, "1-sign-in")

    # When signing in with the local token
    sign_in(page)

    # Then the demo's escalations are the top of the queue
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    escalated = {item["id"] for item in demo.api("/mentions?status=new&reaction=escalate&limit=100")["items"]}
    assert escalated, "the demo stream has escalations"
    ids = queue_ids(page)
    assert set(ids[: len(escalated)]) == escalated
    assert all(row.startswith("webhook:") for row in ids)
    screenshot(page, "2-queue")

    # When opening the top one, acknowledging it and replying
    top = ids[0]
    page.locator("ol.queue > li").first.locator("a.row-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("@")
    expect(page.get_by_role("heading", name="Why it is here")).to_be_visible()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_have_text("Acknowledged.")
    assert demo.api(f"/mentions/{top}")["status"] == "acknowledged"
    reply = page.get_by_label(re.compile("^Reply"))
    suggested = demo.api(f"/mentions/{top}")["triage"]["suggested_response"]
    if suggested:
        expect(reply).to_have_value(suggested)
    else:
        reply.fill("Thank you for telling us. We are on it and will get back to you in a direct message.")
    # (the demo's mentions come from a generic webhook, a platform mentionwatch cannot post to: the reply is
    # posted there by hand and recorded with its link)
    page.get_by_label(re.compile("Link to the")).fill("https://social.example/northwind/replies/1")
    screenshot(page, "3-mention")
    page.get_by_role("button", name="Record reply").click()
    expect(page.get_by_role("status")).to_have_text("Reply recorded.")
    detail = demo.api(f"/mentions/{top}")
    assert detail["status"] == "responded"
    assert detail["history"][-1]["action"] == "respond"

    # Then it has left the queue
    page.get_by_role("link", name="Back to the queue").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    expect(page.locator("ol.queue > li").first).to_be_visible()
    expect(page.locator(f"ol.queue > li[data-id='{top}']")).to_have_count(0)

    # And the keyboard works the queue: j moves down, a acknowledges the selected mention
    page.locator("body").press("j")
    selected = page.locator("ol.queue > li[aria-current='true']")
    second = selected.get_attribute("data-id")
    assert second == queue_ids(page)[1]
    page.locator("body").press("a")
    expect(page.get_by_role("status")).to_contain_text(f"Acknowledged {second}")
    assert demo.api(f"/mentions/{second}")["status"] == "acknowledged"

    # And the incidents and overview pages show the escalations and the charts
    page.get_by_role("link", name="Incidents").click()
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    expect(page.locator("ul.incidents > li").first).to_be_visible()
    page.locator("ul.incidents > li").first.get_by_text("Posts and timeline").click()
    timeline = page.get_by_role("table", name="Timeline and growth").first
    expect(timeline).to_be_visible()
    expect(timeline.locator("tbody tr").first).to_contain_text("opened")
    screenshot(page, "4-incidents")
    page.get_by_role("link", name="Overview").click()
    expect(page.locator(".chart canvas")).to_be_visible()
    expect(page.get_by_role("table", name="Mentions per category")).to_be_visible()
    screenshot(page, "5-overview")

    assert page.errors == []  # no script error and no Content-Security-Policy violation


def test_an_sms_acknowledge_link_opens_the_incident_and_its_mention_on_a_phone(demo: DemoStack, open_browser):
    page = open_browser(360, 740, mobile=True)
    link = next(
        alert["sms"].rsplit(" ", 1)[-1]
        for alert in demo.alerts
        if "/ack/" in alert["sms"] and alert["attributes"].get("incident")
    )
    assert link.startswith(demo.url)

    # When the on-call person taps the SMS link, then opens the console from the page it lands on
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("Acknowledged"))).to_be_visible()
    screenshot(page, "6-phone-acknowledged")
    page.errors.clear()  # from here on, the console's own page (the ack page has no favicon: a 404 in the log)
    page.get_by_role("link", name="Open the incident in the triage console").click()
    sign_in(page)

    # Then the page's incident is shown, acknowledged, with its timeline, and fits the phone's width
    expect(page.get_by_role("link", name="All incidents")).to_be_visible()
    expect(page.locator("main .card")).to_contain_text("acknowledged")
    expect(page.get_by_role("table", name="Timeline and growth")).to_contain_text("acknowledged")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "7-phone-incident")

    # And the first post of the page opens from the acknowledge page too, acknowledged
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile("Already acknowledged"))).to_be_visible()
    page.errors.clear()
    page.get_by_role("link", name="Open its first post").click()
    sign_in(page)
    expect(page.get_by_role("heading", name="Why it is here")).to_be_visible()
    expect(page.locator("h1 .badge.status")).not_to_have_text("new")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "8-phone-mention")
    assert page.errors == []


def test_console_files_hold_no_data_and_every_data_call_needs_the_token(demo: DemoStack):
    # The shell, the bundles and the sign-in configuration are public and the same for everyone ...
    status, headers, shell = demo.stack.http_request("GET", "/console", {}, b"")
    assert status == 200
    assert "script-src 'self'" in headers["content-security-policy"]
    bundles = re.findall(r'/console/([\w-]+\.(?:js|css))"', shell.decode())
    assert len(bundles) == 2
    for bundle in bundles:
        status, _, body = demo.stack.http_request("GET", f"/console/{bundle}", {}, b"")
        assert status == 200
        assert b"northwind" not in body.lower()
    # ... while the data behind them needs the bearer token.
    for path in ("/mentions", "/mentions/webhook:nw-001", "/stats"):
        assert demo.stack.http_request("GET", path, {}, b"")[0] == 401
