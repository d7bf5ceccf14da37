"""Issue 13: with DynamoDB, SNS or Comprehend failing (before and after requests take effect) or invocations
killed mid-batch, no mention is lost, every urgent mention is paged, no alert is published twice and every
respond mention has its respond SLA clock. A small count per class keeps `make test` fast;
`bench/fault_injection_bench.py` runs 1,000 mentions per class."""

from __future__ import annotations

import pytest

from tests.faults import FAULT_CLASSES, run


@pytest.mark.parametrize("fault_class", FAULT_CLASSES)
def test_no_mention_lost_no_urgent_unpaged_no_page_doubled(fault_class: str) -> None:
    # Comprehend is called once per 25 texts whose language is known (2 calls for these 30 mentions): at 20% a
    # run would often inject no fault at all, so its calls fail at 50%.
    rate = 0.5 if fault_class == "comprehend" else 0.2
    figures = run(fault_class, mentions=30, rate=rate, seed=13)

    assert figures.faults + figures.kills > 0, "the run must actually inject faults"
    assert (figures.lost, figures.unpaged, figures.duplicate_pages) == (0, 0, 0), figures.details
    assert figures.respond > 0 and figures.unclocked == 0, figures.details
    assert figures.urgent > 0 and figures.pages >= 1
