"""Checks that the lock files still agree with what they lock (`make check-locks`, run by .ci/run).

- every requirement of pyproject.toml (runtime and the `dev` extra) is pinned in requirements-dev.lock at a
  version it allows;
- every requirement of layers/mentionwatch/requirements*.txt is pinned in the matching layer lock;
- pyproject.toml's runtime dependencies and the layer's requirements name the same packages.

A failure names the package and says to run `make lock`. Needs only the standard library and `packaging`.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "mentionwatch"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def pins(lock: Path) -> dict[str, str]:
    """name → pinned version, from a `uv pip compile` / pip-compile output."""
    found: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def requirements_file(path: Path) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [Requirement(line) for line in lines if line]


def unmet(requirements: list[Requirement], locked: dict[str, str], lock_name: str, source: str) -> list[str]:
    problems = []
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": "dev"}):
            continue  # not for this platform: the universal lock carries it under its own marker anyway
        version = locked.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} ({source}) is not in {lock_name}")
        elif requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement} ({source}) does not allow {requirement.name}=={version} in {lock_name}")
    return problems


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    try:
        runtime = [Requirement(text) for text in project["dependencies"]]
        dev = [Requirement(text) for text in project["optional-dependencies"]["dev"]]
        layer = requirements_file(LAYER / "requirements.txt")
        layer_nodeps = requirements_file(LAYER / "requirements-nodeps.txt")
        dev_lock = pins(ROOT / "requirements-dev.lock")
        layer_lock = pins(LAYER / "requirements.lock")
        nodeps_lock = pins(LAYER / "requirements-nodeps.lock")
    except (OSError, KeyError, InvalidRequirement) as err:
        print(f"check-locks: {err}", file=sys.stderr)
        return 1

    problems = [
        *unmet(runtime + dev, dev_lock, "requirements-dev.lock", "pyproject.toml"),
        *unmet(layer, layer_lock, "layers/mentionwatch/requirements.lock", "layers/mentionwatch/requirements.txt"),
        *unmet(
            layer_nodeps,
            nodeps_lock,
            "layers/mentionwatch/requirements-nodeps.lock",
            "layers/mentionwatch/requirements-nodeps.txt",
        ),
    ]
    declared = {canonicalize_name(r.name) for r in runtime}
    shipped = {canonicalize_name(r.name) for r in layer + layer_nodeps}
    for name in sorted(declared - shipped):
        problems.append(
            f"{name} is a runtime dependency in pyproject.toml but not in layers/mentionwatch/requirements.txt"
        )
    for name in sorted(shipped - declared):
        problems.append(f"{name} is in the layer's requirements but not in pyproject.toml [project] dependencies")

    if problems:
        for problem in problems:
            print(f"check-locks: {problem}", file=sys.stderr)
        print(
            "check-locks: run `make lock` and commit the lock files (README, 'Dependencies and the layer')",
            file=sys.stderr,
        )
        return 1
    print(f"check-locks: ok ({len(dev_lock)} dev pins, {len(layer_lock) + len(nodeps_lock)} layer pins)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
