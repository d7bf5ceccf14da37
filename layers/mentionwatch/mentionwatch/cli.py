"""The `mentionwatch` command line. Each subcommand registers itself with `@command`.

    mentionwatch classify --input FILE --text-column NAME [--rules FILE] [--analyzer local|comprehend]
                          [--fallback none|local]
    mentionwatch evaluate --input FILE --text-column NAME --label-column NAME [--rules FILE] [--check]
    mentionwatch kept list|replay [ID ...] [--all]   (signed webhook deliveries the parser refused; cli_kept.py)
    mentionwatch evaluate --input FILE --text-column NAME --expected-column NAME [--check]  (expected reactions)
    mentionwatch replay STREAM.jsonl [--ack-after MINUTES|never] [--tail MINUTES] [--rules FILE] [--policy FILE]

Exit codes: 0 done, 1 `evaluate --check` found a target missed, 2 bad input or configuration (message on
stderr), 3 a service the command needs (Comprehend) did not answer: no region or credentials, endpoint
unreachable, access denied, throttled past the SDK's retries. `--fallback local` scores those rows with the
local analyzer instead (each output row names the analyzer that scored it).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from mentionwatch.exceptions import AdapterError, MentionwatchError, SentimentUnavailable
from mentionwatch.models import (
    Author,
    Mention,
    Platform,
    SentimentResult,
    TriageContext,
    TriageDecision,
    utc_now,
)
from mentionwatch.sentiment.base import SentimentAnalyzer, SentimentRequest
from mentionwatch.triage.base import Triager

EXIT_OK, EXIT_TARGET_MISSED, EXIT_BAD_INPUT, EXIT_UNAVAILABLE = 0, 1, 2, 3
BATCH = 25  # Comprehend's batch size; harmless for the local analyzer
PROGRESS_EVERY = 1_000


class BadInput(Exception):
    """A problem with what the user gave the command: reported on stderr, exit code 2."""


Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]
_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Handler]] = {}


def command(
    name: str, help_text: str, configure: Callable[[argparse.ArgumentParser], None]
) -> Callable[[Handler], Handler]:
    """Register a subcommand: `configure` adds its arguments, the decorated function runs it."""

    def register(handler: Handler) -> Handler:
        _COMMANDS[name] = (help_text, configure, handler)
        return handler

    return register


# --- input ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    number: int  # 1-based data row (CSV: after the header; JSONL: line)
    values: dict[str, Any]


def read_rows(path: Path, required: Sequence[str]) -> Iterator[Row]:
    """Rows of a .csv (with a header) or .jsonl file; raises `BadInput` naming what is wrong."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise BadInput(f"--input {str(path)!r}: expected a .csv or .jsonl file")
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as err:
        raise BadInput(f"--input {str(path)!r} cannot be read: {err.strerror or err}") from err
    with handle:
        try:
            if suffix == ".csv":
                reader = csv.DictReader(handle)
                missing = [c for c in required if c not in (reader.fieldnames or [])]
                if missing:
                    raise BadInput(
                        f"--input {str(path)!r} has no column {missing[0]!r} "
                        f"(columns: {', '.join(reader.fieldnames or []) or 'none'})"
                    )
                for number, values in enumerate(reader, start=1):
                    yield Row(number, values)
            else:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        values = json.loads(line)
                    except ValueError as err:
                        raise BadInput(f"--input {str(path)!r} line {number}: not JSON ({err})") from err
                    if not isinstance(values, dict):
                        raise BadInput(f"--input {str(path)!r} line {number}: expected a JSON object")
                    missing = [c for c in required if c not in values]
                    if missing:
                        raise BadInput(f"--input {str(path)!r} line {number} has no field {missing[0]!r}")
                    yield Row(number, values)
        except UnicodeDecodeError as err:
            raise BadInput(f"--input {str(path)!r} is not UTF-8: {err}") from err
        except csv.Error as err:
            raise BadInput(f"--input {str(path)!r}: malformed CSV ({err})") from err


def count_rows(path: Path) -> int | None:
    """How many rows a file holds (for progress); None when it cannot tell."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            if path.suffix.lower() == ".csv":
                return max(0, sum(1 for _ in csv.reader(fh)) - 1)
            return sum(1 for line in fh if line.strip())
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


# --- classification ---------------------------------------------------------------------------------------
@dataclass
class FallbackTally:
    """Rows `--fallback local` scored locally because Comprehend did not answer (reported on stderr at the end)."""

    rows: int = 0

    def __call__(self, documents: int) -> None:
        self.rows += documents

    def report(self, err: TextIO) -> None:
        if self.rows:
            rows = "1 row" if self.rows == 1 else f"{self.rows} rows"
            print(f"{rows} scored by the local analyzer: Comprehend did not answer", file=err)


def make_analyzer(
    name: str, local_model: Path | None = None, fallback: str = "none", tally: FallbackTally | None = None
) -> SentimentAnalyzer:
    from mentionwatch.sentiment.local import LocalAnalyzer

    if name == "comprehend":
        from botocore.exceptions import BotoCoreError, NoRegionError  # only this path needs AWS

        from mentionwatch import aws
        from mentionwatch.sentiment.comprehend import ComprehendAnalyzer

        try:
            client = aws.client("comprehend")
        except NoRegionError as err:  # nothing to call: the same as a service that does not answer
            raise SentimentUnavailable(
                "Comprehend cannot be called: no AWS region is set (AWS_DEFAULT_REGION or the profile's region)"
            ) from err
        except BotoCoreError as err:
            raise SentimentUnavailable(f"Comprehend cannot be called: {err}") from err
        # Unsupported languages and empty texts always go to the local analyzer; a failed call only with
        # `--fallback local`, otherwise it ends the command with exit 3.
        return ComprehendAnalyzer(
            client,
            fallback=LocalAnalyzer(local_model),
            fallback_when_unavailable=fallback == "local",
            count_fallbacks=tally if tally is not None else FallbackTally(),
        )
    return LocalAnalyzer(local_model)


def make_triager(rules: Path | None) -> Triager:
    from mentionwatch.triage.engine import RulesTriager, default_triager
    from mentionwatch.triage.rules import load_rules

    return default_triager() if rules is None else RulesTriager(load_rules(rules))


def _as_text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


ANONYMOUS = "there"  # suggested replies start "Hi {handle}": "Hi there" when the file names no author


def to_mention(row: Row, text: str, author: str | None = None) -> Mention:
    handle = (author or "").strip().lstrip("@")[:256] or ANONYMOUS
    return Mention(
        platform=Platform.WEBHOOK,
        native_id=f"row-{row.number}",
        text=text,
        author=Author(handle=handle),
        created_at=utc_now(),
    )


def classify_rows(
    rows: Iterator[Row],
    text_column: str,
    analyzer: SentimentAnalyzer,
    triager: Any,
    progress: Callable[[int], None],
    author_column: str | None = None,
) -> Iterator[tuple[Row, SentimentResult, TriageDecision]]:
    """Sentiment then triage for each row, in batches; rows come back in input order."""
    done = 0
    batch: list[tuple[Row, Mention]] = []

    def flush() -> Iterator[tuple[Row, SentimentResult, TriageDecision]]:
        nonlocal done
        results = analyzer.analyze([SentimentRequest(text=m.text, language=m.language) for _, m in batch])
        for (row, mention), sentiment in zip(batch, results, strict=True):
            yield row, sentiment, triager.triage(mention, sentiment, TriageContext())
        done += len(batch)
        progress(done)
        batch.clear()

    for row in rows:
        author = _as_text(row.values.get(author_column)) if author_column else None
        batch.append((row, to_mention(row, _as_text(row.values.get(text_column)), author)))
        if len(batch) >= BATCH:
            yield from flush()
    if batch:
        yield from flush()


def progress_printer(total: int | None, err: TextIO) -> Callable[[int], None]:
    def show(done: int) -> None:
        if total and total >= PROGRESS_EVERY and (done % PROGRESS_EVERY < BATCH or done >= total):
            print(f"classified {done}/{total} rows", file=err, flush=True)

    return show


def decision_json(row: Row, sentiment: SentimentResult, decision: TriageDecision) -> dict[str, Any]:
    return {
        "row": row.number,
        "sentiment": sentiment.label.value,
        "scores": sentiment.scores.model_dump(),
        "analyzer": sentiment.analyzer,
        "sarcasm": sentiment.sarcasm,
        "language": sentiment.language,
        "reaction": decision.reaction.value,
        "category": decision.category.value,
        "severity": decision.severity.value,
        "team": decision.team,
        "sla_minutes": decision.sla_minutes,
        "tags": list(decision.tags),
        "rules": list(decision.rules),
        "reasons": list(decision.reasons),
        "suggested_response": decision.suggested_response,
    }


# --- subcommands ------------------------------------------------------------------------------------------
def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, type=Path, help="a .csv (with header) or .jsonl file")
    parser.add_argument("--text-column", required=True, help="the column or field holding the text")
    parser.add_argument("--author-column", help="the column or field holding the author's handle (optional)")
    parser.add_argument("--rules", type=Path, help="a rules YAML file (default: the packaged rules)")
    parser.add_argument("--analyzer", choices=("local", "comprehend"), default="local")
    parser.add_argument(
        "--fallback",
        choices=("none", "local"),
        default="none",
        help="with --analyzer comprehend: when Comprehend does not answer, exit 3 (none) or score locally (local)",
    )
    parser.add_argument("--local-model", type=Path, help="weights for the local analyzer (default: the packaged ones)")


def _configure_classify(parser: argparse.ArgumentParser) -> None:
    _common(parser)


def _configure_evaluate(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    labels = parser.add_mutually_exclusive_group(required=True)
    labels.add_argument("--label-column", help="people's sentiment label: negative, neutral or positive (any case)")
    labels.add_argument(
        "--expected-column",
        help="the reaction a person expects: monitor, acknowledge, respond or escalate (reports agreement, "
        "must-page mentions caught and needless pages)",
    )
    parser.add_argument("--expected-category-column", help="with --expected-column: the expected category")
    parser.add_argument("--expected-severity-column", help="with --expected-column: the expected severity")
    parser.add_argument("--group-column", help="with --expected-column: agreement per value of this column (trade)")
    parser.add_argument("--show-misses", action="store_true", help="with --expected-column: list disagreements")
    parser.add_argument("--check", action="store_true", help="exit 1 when a quality target is missed")


@command("classify", "sentiment and triage for each row, one JSON object a line on stdout", _configure_classify)
def classify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    triager = make_triager(args.rules)
    tally = FallbackTally()
    analyzer = make_analyzer(args.analyzer, args.local_model, args.fallback, tally)
    rows = read_rows(args.input, [args.text_column] + ([args.author_column] if args.author_column else []))
    progress = progress_printer(count_rows(args.input), err)
    for row, sentiment, decision in classify_rows(
        rows, args.text_column, analyzer, triager, progress, args.author_column
    ):
        out.write(json.dumps(decision_json(row, sentiment, decision), ensure_ascii=False) + "\n")
    tally.report(err)
    return EXIT_OK


@command("evaluate", "confusion tables for sentiment and reaction against people's labels", _configure_evaluate)
def evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from mentionwatch.triage.evaluation import Evaluation, parse_label

    if args.expected_column:
        return _evaluate_expected(args, out, err)
    triager = make_triager(args.rules)
    tally = FallbackTally()
    analyzer = make_analyzer(args.analyzer, args.local_model, args.fallback, tally)
    rows = read_rows(args.input, [args.text_column, args.label_column])
    progress = progress_printer(count_rows(args.input), err)
    result, unlabelled = Evaluation(), 0
    for row, sentiment, decision in classify_rows(rows, args.text_column, analyzer, triager, progress):
        label = parse_label(_as_text(row.values.get(args.label_column)))
        if label is None:
            unlabelled += 1
            continue
        result.add(label, sentiment.label, decision.reaction)
    if not result.total:
        raise BadInput(f"--label-column {args.label_column!r}: no row is labelled negative, neutral or positive")
    if unlabelled:
        print(f"skipped {unlabelled} rows without a negative/neutral/positive label", file=err)
    tally.report(err)
    out.write(result.report() + "\n")
    missed = [t for t in result.targets() if not t.met]
    return EXIT_TARGET_MISSED if args.check and missed else EXIT_OK


def _cell(row: Row, column: str | None) -> str | None:
    return _as_text(row.values.get(column)).strip().lower() if column else None


def _evaluate_expected(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Agreement with the reactions a person wrote down, and the pages: missed and needless."""
    from mentionwatch.triage.evaluation import ReactionEvaluation, parse_reaction

    optional = [args.expected_category_column, args.expected_severity_column, args.group_column]
    required = [args.text_column, args.expected_column] + [c for c in optional if c]
    triager = make_triager(args.rules)
    analyzer = make_analyzer(args.analyzer, args.local_model)
    rows = read_rows(args.input, required)
    progress = progress_printer(count_rows(args.input), err)
    result, unlabelled = ReactionEvaluation(), 0
    for row, _sentiment, decision in classify_rows(rows, args.text_column, analyzer, triager, progress):
        expected = parse_reaction(_as_text(row.values.get(args.expected_column)))
        if expected is None:
            unlabelled += 1
            continue
        result.add(
            row.number,
            expected,
            decision.reaction,
            expected_category=_cell(row, args.expected_category_column),
            category=decision.category.value,
            expected_severity=_cell(row, args.expected_severity_column),
            severity=decision.severity.value,
            group=_cell(row, args.group_column) or "",
            text=_as_text(row.values.get(args.text_column)),
        )
    if not result.total:
        raise BadInput(
            f"--expected-column {args.expected_column!r}: no row names a reaction "
            "(monitor, acknowledge, respond or escalate)"
        )
    if unlabelled:
        print(f"skipped {unlabelled} rows without a known expected reaction", file=err)
    out.write(result.report(args.show_misses) + "\n")
    return EXIT_TARGET_MISSED if args.check and not result.met else EXIT_OK


def _ack_after(value: str) -> int | None:
    if value == "never":
        return None
    if not value.isdigit():
        raise argparse.ArgumentTypeError("use a number of minutes or 'never'")
    return int(value)


def _configure_replay(parser: argparse.ArgumentParser) -> None:
    # Declared here, not in mentionwatch.replay: building the parser must not import boto3 or moto.
    parser.add_argument("input", type=Path, help="a JSONL stream (format of events/mention-stream.jsonl)")
    parser.add_argument(
        "--ack-after",
        type=_ack_after,
        default=5,
        metavar="MINUTES|never",
        help="acknowledge each page this many minutes after it went out (default 5; never: nobody does)",
    )
    parser.add_argument(
        "--tail",
        type=int,
        default=None,
        help="minutes to keep the clock running after the last event (default: until every SLA clock, escalation "
        "and acknowledgement has played out, 24 hours at most)",
    )
    parser.add_argument("--rules", type=Path, help="triage rules YAML (default: the packaged rules)")
    parser.add_argument("--policy", type=Path, help="escalation policy YAML (default: the packaged policy)")
    parser.add_argument("--template", type=Path, help="template.yaml for the table and SMS subscriptions")
    parser.add_argument("--no-digest", action="store_true", help="skip the daily digest")
    parser.add_argument("--summary-only", action="store_true", help="print only the summary line")


@command(
    "replay",
    "run a JSONL mention stream through the whole pipeline in virtual time; one JSON line per publish",
    _configure_replay,
)
def replay(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from mentionwatch.replay import main as replay_main  # imports moto: only when asked for

    return replay_main(args, out, err)


def build_parser() -> argparse.ArgumentParser:
    import mentionwatch.cli_kept  # noqa: F401 - registers `kept` (it imports this module, so not at the top)
    import mentionwatch.cli_raw  # noqa: F401 - registers `raw`, likewise

    parser = argparse.ArgumentParser(prog="mentionwatch", description="Social listening and escalation.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, configure, handler) in _COMMANDS.items():
        child = sub.add_parser(name, help=help_text, description=help_text)
        configure(child)
        child.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its message
        return EXIT_BAD_INPUT if exit_.code else EXIT_OK
    try:
        return int(args.handler(args, out, err))
    except AdapterError as problem:  # a service (Comprehend) did not answer: not the user's mistake
        print(f"mentionwatch {args.command}: {' '.join(str(problem).split())}", file=err)  # always one line
        return EXIT_UNAVAILABLE
    except (BadInput, MentionwatchError) as problem:
        print(f"mentionwatch {args.command}: {problem}", file=err)
        return EXIT_BAD_INPUT
    except ValidationError as problem:
        print(f"mentionwatch {args.command}: invalid input: {problem}", file=err)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
