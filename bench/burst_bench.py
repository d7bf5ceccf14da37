"""A viral burst on paper, checked by simulation: 10,000 mentions of one brand in one minute.

    python bench/burst_bench.py [--mentions 10000] [--seconds 60] [--per-mention-ms 30] [--urgent-share 0.05]

Reads the event source mapping from template.yaml (batch size, batching window, maximum concurrency) and simulates,
second by second: arrivals (evenly spread), batches taken by up to `MaximumConcurrency` pollers, each batch busy for
its mentions x `--per-mention-ms` (deployed: the process function's CPU plus its DynamoDB and SNS round trips,
see `make bench`). It prints queue depth and drain time, Comprehend calls per second against the account quota
(hybrid share), the writes per second on the hottest DynamoDB keys against the per-partition limit (1,000 write
units per second), when the first urgent mention is paged, and when the burst's incident is: a batch that alone
holds the spike minimum of one brand's negative mentions checks the brand when it ends (alerts/oncall.py), so the
spike incident pages at the end of the burst's first such batch, not at the next 5-minute spike schedule.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PARTITION_WRITE_UNITS = 1000  # per partition (and per key) per second, DynamoDB's documented hard limit
COMPREHEND_BATCH_TPS = 10  # BatchDetectSentiment requests per second, the default account quota


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def mapping() -> dict[str, int]:
    template = yaml.load((REPO / "template.yaml").read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    props = template["Resources"]["ProcessFunctionQueueMapping"]["Properties"]
    return {
        "batch": int(props["BatchSize"]),
        "window": int(props.get("MaximumBatchingWindowInSeconds", 0)),
        "concurrency": int(props.get("ScalingConfig", {}).get("MaximumConcurrency", 1000)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--per-mention-ms", type=float, default=30.0)
    parser.add_argument("--urgent-share", type=float, default=0.05)
    parser.add_argument("--hybrid-share", type=float, default=0.28, help="share sent to Comprehend (hybrid_bench)")
    parser.add_argument("--duplicate-share", type=float, default=0.25, help="redeliveries and reposts, not scored")
    parser.add_argument("--ingest-ms", type=float, default=150.0, help="webhook to queue, deployed")
    parser.add_argument("--negative-share", type=float, default=0.6, help="share of the burst that is negative")
    parser.add_argument("--incident-kb", type=float, default=10.0, help="incident row size (replay: 6-12 KB)")
    parser.add_argument("--spike-check-ms", type=float, default=800.0, help="count, window read, judge, page")
    parser.add_argument("--respond-share", type=float, default=0.34, help="stored mentions with a respond clock")
    args = parser.parse_args()
    esm = mapping()
    rate = args.mentions / args.seconds
    step = 0.1
    queue = 0.0
    busy: list[float] = []  # time each poller is busy until
    arrived = 0.0
    now = 0.0
    depth_max = 0.0
    drained_at = None
    first_page = None
    incident_page = None
    batches = 0
    from mentionwatch.alerts.policy import default_config
    from mentionwatch.pipeline.process import CLOCK_SWEEP_PAGE, CLOCK_SWEEP_PAGES

    spike_min = default_config().spike.min_count
    window_open_at: float | None = None
    while now < 3600:
        if now < args.seconds:
            arrived_now = rate * step
            queue += arrived_now
            arrived += arrived_now
        depth_max = max(depth_max, queue)
        busy = [until for until in busy if until > now]
        if queue >= 1 and window_open_at is None:
            window_open_at = now
        while queue >= 1 and len(busy) < esm["concurrency"]:
            full = queue >= esm["batch"]
            waited = window_open_at is not None and now - window_open_at >= esm["window"]
            if not (full or waited or now >= args.seconds):
                break
            size = min(esm["batch"], int(queue))
            queue -= size
            batches += 1
            # Urgent first within a batch (functions/process/app.py): the first urgent mention is handled at once.
            handled = now + args.per_mention_ms / 1000
            if first_page is None and args.urgent_share > 0:
                first_page = handled + args.ingest_ms / 1000
            ends = now + size * args.per_mention_ms / 1000
            if incident_page is None and size * args.negative_share >= spike_min:
                incident_page = ends + (args.ingest_ms + args.spike_check_ms) / 1000
            busy.append(ends)
            window_open_at = now if queue >= 1 else None
        if now >= args.seconds and queue < 1 and not busy:
            drained_at = now
            break
        now = round(now + step, 3)

    scored = args.mentions * (1 - args.duplicate_share)
    comprehend_calls = math.ceil(scored * args.hybrid_share / 25)
    per_second = args.mentions / args.seconds
    throughput = esm["concurrency"] * 1000 / args.per_mention_ms
    print("| Viral burst (simulated) | Value | Limit or target |")
    print("| --- | ---: | --- |")
    print(f"| Arrivals | {args.mentions:,} in {args.seconds} s ({per_second:.0f}/s) | one brand |")
    print(
        f"| Event source mapping | batch {esm['batch']}, window {esm['window']} s, "
        f"{esm['concurrency']} concurrent | template.yaml |"
    )
    print(f"| Process throughput | {throughput:.0f} mentions/s | {args.per_mention_ms:.0f} ms a mention a poller |")
    print(f"| Peak queue depth | {depth_max:,.0f} | drains when throughput > arrivals |")
    drain = f"{drained_at:.0f} s after the burst began" if drained_at is not None else "not within an hour"
    print(f"| Queue drained | {drain} | |")
    print(f"| Batches | {batches} | |")
    print(
        f"| Comprehend BatchDetectSentiment | {comprehend_calls} calls, "
        f"{comprehend_calls / max(1.0, (drained_at or 3600)):.1f}/s | quota {COMPREHEND_BATCH_TPS}/s |"
    )
    batch_rate = batches / max(1.0, drained_at or 3600)
    incident_units = math.ceil(args.incident_kb)
    hot = {
        "brand-hour volume counter (one update a batch)": batch_rate,
        f"the burst's incident row, {args.incident_kb:g} KB (joined once a batch)": batch_rate * incident_units,
        "per-minute urgent counter (one update an urgent mention)": min(per_second, throughput) * args.urgent_share,
        "thread counter, all replies in one thread": min(per_second, throughput),
        "GSI1 STATUS#new partition (1 WCU per keys-and-filters copy)": min(per_second, throughput),
        "GSI2 brand-month partition (1 WCU per keys-and-filters copy)": min(per_second, throughput),
        "GSI5 DUE#respond and DUE#sla partitions (a respond mention's entries)": min(per_second, throughput)
        * args.respond_share,
    }
    for key, units in hot.items():
        verdict = "ok" if units < PARTITION_WRITE_UNITS else "THROTTLES: shard the key"
        print(f"| Hot key: {key} | {units:.0f} WCU/s | {PARTITION_WRITE_UNITS}/s per partition: {verdict} |")
    per_mention = min(per_second, throughput) * incident_units
    print(
        f"| (before: the incident row joined once a mention) | {per_mention:.0f} WCU/s | "
        f"{PARTITION_WRITE_UNITS}/s per partition: {'ok' if per_mention < PARTITION_WRITE_UNITS else 'THROTTLED'} |"
    )
    respond = args.mentions * (1 - args.duplicate_share) * args.respond_share
    sweep_capacity = CLOCK_SWEEP_PAGE * CLOCK_SWEEP_PAGES
    print(
        f"| Respond-clock sweep (escalation schedule, every minute) | {respond:,.0f} respond mentions, "
        f"{sweep_capacity:,} checked a run: caught up {math.ceil(respond / sweep_capacity)} run(s) after the grace | "
        "a safety net for clocks whose write failed; reads only |"
    )
    print(f"| First urgent mention paged | {first_page:.1f} s after it arrived | target <= 60 s |")
    incident = (
        f"{incident_page:.1f} s after the burst began" if incident_page is not None else "at the 5-minute schedule"
    )
    print(
        f"| Burst's incident paged (spike) | {incident} | target <= 60 s; first batch with >= {spike_min} "
        "negative mentions, checked when it ends |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
