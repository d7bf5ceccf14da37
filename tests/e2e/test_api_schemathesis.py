"""Schemathesis against the local stack, every phase its CLI runs: the document's examples, coverage (each
parameter's boundaries, every enum value, missing, wrong-typed and extra values, methods no route takes), fuzzing
(generated requests) and stateful (sequences along the links it infers). Every answer is checked against the
OpenAPI document: no 5xx, documented status codes and content types, bodies matching the schemas.

The run goes through schemathesis' engine (what `schemathesis run` drives) rather than its pytest plugin, whose
lazy-schema tests need a pytest internal (`Node._nodeid`) that pytest 9.2 renamed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from mentionwatch import aws
from mentionwatch.local.stack import LocalStack
from mentionwatch.store.dynamodb import MentionStore
from tests.api_support import item
from tests.e2e.conftest import E2E_TOKEN

pytestmark = pytest.mark.e2e
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]
DOCUMENTED_OPERATIONS = {
    "GET /mentions",
    "GET /mentions/{id}",
    "PATCH /mentions/{id}",
    "POST /mentions/{id}/replies",
    "POST /mentions/{id}/replies/{key}/approve",
    "GET /stats",
    "GET /incidents",
    "GET /incidents/{id}",
}


def run_config(stack: LocalStack) -> SchemathesisConfig:
    """Every phase on, bounded: coverage sends every case the document defines (it takes no max-examples),
    fuzzing 40 examples an operation, stateful 15 scenarios of up to 6 steps. Seeded and without an example
    database, so a run is repeatable and leaves nothing behind."""
    return SchemathesisConfig.from_dict(
        {
            "seed": 13,
            "base-url": stack.url,
            "headers": {"Authorization": f"Bearer {E2E_TOKEN}"},
            "suppress-health-check": ["all"],
            "generation": {"database": "none", "deterministic": True},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {
                "examples": {"enabled": True, "fill-missing": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True, "generation": {"max-examples": 40}},
                "stateful": {"enabled": True, "max-steps": 6, "generation": {"max-examples": 15}},
            },
        }
    )


@dataclass
class RunReport:
    """What one engine run sent, which answers came back and what failed, per phase."""

    requests: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    checks_run: Counter[str] = field(default_factory=Counter)
    skipped: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_every_phase(schema: schemathesis.BaseSchema) -> RunReport:
    report = RunReport()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished) and event.phase.skip_reason is not None:
            report.skipped[event.phase.name.value] = event.phase.skip_reason.value
        elif isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                report.requests[event.phase.value] += 1
                if interaction.response is not None:
                    report.statuses[(event.phase.value, interaction.response.status_code)] += 1
                    if interaction.response.status_code >= 500:
                        report.server_errors[event.phase.value] += 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    report.checks_run[check.name] += 1
                    if check.status == Status.FAILURE:
                        request = recorder.interactions[case_id].request if case_id in recorder.interactions else None
                        target = f"{request.method} {request.uri}" if request else recorder.label
                        title = check.failure_info.failure.title if check.failure_info else ""
                        report.failures.append(f"{event.phase.value}: {check.name} on {target}: {title}")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            report.errors.append(repr(getattr(event, "value", getattr(event, "exception", event))))
    return report


@pytest.fixture(scope="module")
def api_schema(stack: LocalStack) -> schemathesis.BaseSchema:
    store = MentionStore(aws.client("dynamodb"), stack.physical("MentionsTable"))
    for number in range(3):
        store.put_new(item(str(number), number * 5, root_id="0" if number else None))
    return schemathesis.openapi.from_url(stack.url + "/openapi.json", config=run_config(stack))


def test_the_document_declares_exactly_the_api(api_schema: schemathesis.BaseSchema) -> None:
    assert {result.ok().label for result in api_schema.get_all_operations()} == DOCUMENTED_OPERATIONS


def test_every_phase_finds_every_answer_as_documented(api_schema: schemathesis.BaseSchema) -> None:
    # Given every operation of the served document, When schemathesis runs all its phases against the stack
    report = run_every_phase(api_schema)
    print(f"\nschemathesis, skipped phases: {report.skipped or 'none'}")
    for phase, sent in report.requests.items():
        statuses = ", ".join(f"{code}×{n}" for (name, code), n in sorted(report.statuses.items()) if name == phase)
        print(f"  {phase}: {sent} requests ({statuses}); server errors: {report.server_errors[phase]}")
    # Then every phase sent requests, each of the four checks judged the answers, and nothing failed
    assert {"examples", "coverage", "fuzzing", "stateful"} <= {phase for phase, sent in report.requests.items() if sent}
    assert set(CHECKS) <= {name for name, count in report.checks_run.items() if count}
    assert report.errors == []
    assert report.failures == []
    assert sum(report.server_errors.values()) == 0
