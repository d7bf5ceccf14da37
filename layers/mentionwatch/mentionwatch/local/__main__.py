"""`python -m mentionwatch.local demo|serve`: the local stack from the command line (Makefile targets)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def _project_root() -> Path:
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "template.yaml").exists():
            return folder
    raise SystemExit("mentionwatch.local: run this inside the project (no template.yaml found above here)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mentionwatch.local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="replay events/mention-stream.jsonl and print what happened")
    serve = commands.add_parser("serve", help="keep the stack up for manual use")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--demo-data", action="store_true", help="start with the demo's sample stream delivered")
    args = parser.parse_args(argv)
    root = _project_root()

    if args.command == "demo":
        from mentionwatch.local.demo import run

        return run(root)

    from mentionwatch.local.stack import LocalStack

    try:
        stack = LocalStack(
            root, http_port=args.port, log_level="INFO", function_output=sys.stderr, aws_endpoint=True
        ).start()
    except OSError as err:
        print(f"serve: cannot listen on 127.0.0.1:{args.port}: {err.strerror}", file=sys.stderr)
        return 1
    if args.demo_data:
        from mentionwatch.local.demo import seed

        print(f"serve: delivered {seed(stack, root)} sample mentions (events/mention-stream.jsonl)")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    from mentionwatch.local.schedules import ScheduleRunner

    schedules = ScheduleRunner.from_template(stack.template, stack.invoke)
    schedules.start(stop)
    print(f"serve: mentionwatch on {stack.url} (AWS emulation at {stack.endpoint}); Ctrl-C stops it")
    print(f"serve: triage console at {stack.url}/console (sign in with MENTIONWATCH_LOCAL_TOKEN)")
    for route in stack.template.http_routes():
        print(f"serve:   {route.method:5} {stack.url}{route.path}")
    for schedule in schedules.schedules:
        print(f"serve:   schedule {schedule.name} → {schedule.function} {schedule.event}")
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
