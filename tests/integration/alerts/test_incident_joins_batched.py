"""Inside a batch, mentions join their open incident once per incident when the batch ends: a viral burst
rewrites the incident's row (about 10 KB) once a batch instead of once a mention on one key, which would pass
DynamoDB's 1,000 write units a second per partition at a few hundred mentions a second."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from mentionwatch.alerts.records import IncidentKind
from mentionwatch.models import Category, Reaction, Severity
from tests.integration.alerts.conftest import store, triaged


def incident_writes(alerts: Any) -> Counter[str]:
    writes: Counter[str] = Counter()

    def count(params: dict[str, Any], **_: Any) -> None:
        key = params.get("Item", params.get("Key", {})).get("pk", {}).get("S", "")
        if key.startswith("INCIDENT#"):
            writes[key] += 1

    for operation in ("PutItem", "UpdateItem"):
        alerts._client.meta.events.register(f"provide-client-params.dynamodb.{operation}", count)
    return writes


def mild(number: int) -> Any:
    return triaged(
        f"burst{number}",
        handle=f"fan{number}",
        text=f"Is the app down for everyone? order {number}",
        reaction=Reaction.RESPOND,
        category=Category.COMPLAINT,
        severity=Severity.MEDIUM,
        followers=50 + number,
    )


def test_a_batch_of_a_burst_joins_its_brand_incident_in_one_write(oncall, alerts, mentions, clock):
    # Given a spike incident open for the brand
    opened = oncall.incidents.signal(
        "brand:acme", IncidentKind.SPIKE, [store(mentions, mild(0))], signal="spike", severity="high"
    )
    assert opened is not None
    before = alerts.current_incident("brand:acme")
    writes = incident_writes(alerts)

    # When a batch of 40 mentions of the brand is observed
    with oncall.batch():
        for number in range(1, 41):
            oncall.observe(store(mentions, mild(number)))
        assert writes["INCIDENT#brand:acme"] == 0  # nothing written while the batch runs

    # Then the incident's row was written once, and it counts all 40
    assert writes["INCIDENT#brand:acme"] == 1
    after = alerts.current_incident("brand:acme")
    assert after.mentions == before.mentions + 40
    assert after.version == before.version + 1


def test_outside_a_batch_each_mention_joins_as_it_is_observed(oncall, alerts, mentions, clock):
    oncall.incidents.signal("brand:acme", IncidentKind.SPIKE, [store(mentions, mild(0))], signal="spike")
    writes = incident_writes(alerts)

    for number in range(1, 4):
        oncall.observe(store(mentions, mild(number)))

    assert writes["INCIDENT#brand:acme"] == 3
    assert alerts.current_incident("brand:acme").mentions == 4


def test_a_join_that_cannot_be_written_is_dropped_and_the_batch_ends(oncall, alerts, mentions, clock, monkeypatch):
    from mentionwatch.exceptions import Throttled

    oncall.incidents.signal("brand:acme", IncidentKind.SPIKE, [store(mentions, mild(0))], signal="spike")

    def throttled(*_: Any, **__: Any) -> None:
        raise Throttled("incident write throttled")

    monkeypatch.setattr(type(alerts), "save_incident", throttled)
    with oncall.batch() as unfinished:
        oncall.observe(store(mentions, mild(1)))

    assert unfinished == set()  # the mention is stored; only its count in the incident was lost
    monkeypatch.undo()
    assert alerts.current_incident("brand:acme").mentions == 1


def negative(number: int, at: Any) -> Any:
    return triaged(
        f"angry{number}",
        handle=f"angry{number}",
        text=f"Still no refund for order {number}, this is a scam",
        reaction=Reaction.RESPOND,
        category=Category.COMPLAINT,
        severity=Severity.MEDIUM,
        created_at=at,
    )


def test_a_batch_that_alone_holds_a_burst_pages_its_spike_incident_when_it_ends(
    oncall, dispatcher, alerts, mentions, config, clock, inboxes
):
    from mentionwatch.alerts.spike import SpikeJob

    spikes = SpikeJob(dispatcher, alerts, mentions, config.spike, clock, incidents=oncall.incidents)
    checks: list[str] = []

    def check(brand: str) -> Any:
        checks.append(brand)
        return spikes.check(brand)

    oncall.check_spikes_with(check)
    # When a batch holds 12 negative, non-urgent mentions of a quiet brand (the spike minimum is 10)
    with oncall.batch():
        for number in range(12):
            oncall.observe(store(mentions, negative(number, clock.now - timedelta(seconds=30))))
        assert inboxes.read("critical") == []  # nothing pages while the batch runs

    # Then the brand is checked when the batch ends, and its spike incident pages once, critical
    assert checks == ["acme"]
    [page] = inboxes.read("critical")
    assert page["_attributes"]["kind"] == "spike"
    incident = alerts.current_incident("brand:acme")
    assert incident is not None and incident.mentions == 12

    # When the next batch, seconds later, holds 12 more
    clock.advance(seconds=5)
    with oncall.batch():
        for number in range(12, 24):
            oncall.observe(store(mentions, negative(number, clock.now - timedelta(seconds=30))))

    # Then they join the incident without a second check or page
    assert checks == ["acme"]
    assert inboxes.read("critical") == []
    assert alerts.current_incident("brand:acme").mentions == 24


def test_a_batch_under_the_spike_minimum_leaves_spikes_to_the_schedule(oncall, mentions, clock):
    checks: list[str] = []
    oncall.check_spikes_with(checks.append)

    with oncall.batch():
        for number in range(9):
            oncall.observe(store(mentions, negative(number, clock.now - timedelta(seconds=30))))

    assert checks == []


def test_no_early_spike_check_in_an_invocation_near_its_timeout(oncall, mentions, clock):
    class NearTimeout:
        def get_remaining_time_in_millis(self) -> int:
            return 4_000

    checks: list[str] = []
    oncall.check_spikes_with(checks.append)
    oncall.register_lambda_context(NearTimeout())

    with oncall.batch():
        for number in range(12):
            oncall.observe(store(mentions, negative(number, clock.now - timedelta(seconds=30))))

    assert checks == []  # left to the 5-minute schedule
