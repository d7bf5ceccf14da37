"""Validate an escalation policy before deploying it:

    python -m mentionwatch.alerts.check_policy policy.yaml [more.yaml ...]

Prints each file's teams and policies, or the first mistake naming its field, and exits 1 if any is invalid.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from mentionwatch.alerts.policy import parse_config
from mentionwatch.alerts.sla import escalation_steps
from mentionwatch.exceptions import EscalationPolicyInvalid


def check(paths: Sequence[str], out=sys.stdout, err=sys.stderr) -> int:  # type: ignore[no-untyped-def]
    if not paths:
        print("usage: python -m mentionwatch.alerts.check_policy POLICY.yaml [...]", file=err)
        return 2
    status = 0
    for name in paths:
        path = Path(name)
        try:
            config = parse_config(path.read_text(encoding="utf-8"), str(path))
        except OSError as error:
            print(f"{path}: cannot read: {error.strerror}", file=err)
            status = 1
            continue
        except EscalationPolicyInvalid as error:
            print(error.message, file=err)
            status = 1
            continue
        print(f"{path}: valid", file=out)
        for policy_name, policy in config.policies.items():
            steps = " -> ".join(
                f"{step.action}:{'+'.join(step.routes)}@+{step.delay_minutes}m" for step in escalation_steps(policy)
            )
            print(f"  policy {policy_name}: {steps}", file=out)
        for team_name, team in config.teams.items():
            hours = (
                f"{team.calendar.timezone} {team.calendar.start:%H:%M}-{team.calendar.end:%H:%M}"
                if team.calendar
                else "around the clock"
            )
            print(f"  team {team_name}: policy {team.policy}, respond SLAs {hours}", file=out)
    return status


def main() -> None:
    sys.exit(check(sys.argv[1:]))


if __name__ == "__main__":
    main()
