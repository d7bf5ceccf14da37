"""`make check-locks`: the lock files agree with pyproject.toml and the layer's requirements, and a dependency
added without re-locking is named, with the fix, instead of slipping through unpinned."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    "scripts/check_locks.py",
    "pyproject.toml",
    "requirements-dev.lock",
    "layers/mentionwatch/requirements.txt",
    "layers/mentionwatch/requirements.lock",
    "layers/mentionwatch/requirements-nodeps.txt",
    "layers/mentionwatch/requirements-nodeps.lock",
]


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "check_locks.py")], capture_output=True, text=True, timeout=60
    )


def copy_of_repo(tmp_path: Path) -> Path:
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_committed_locks_agree_with_their_inputs() -> None:
    done = check(ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("check-locks: ok")


def test_a_dependency_added_without_relocking_is_named(tmp_path: Path) -> None:
    # Given a new dev dependency in pyproject.toml and no new lock
    root = copy_of_repo(tmp_path)
    pyproject = root / "pyproject.toml"
    added = pyproject.read_text().replace('    "pytest>=8",\n', '    "pytest>=8",\n    "humanize>=4.0",\n')
    pyproject.write_text(added)
    # When checked
    done = check(root)
    # Then it fails, naming the package, the lock and the fix
    assert done.returncode == 1
    assert "humanize (pyproject.toml) is not in requirements-dev.lock" in done.stderr
    assert "make lock" in done.stderr


def test_a_requirement_the_pin_no_longer_meets_is_named(tmp_path: Path) -> None:
    # Given the layer now asks for a boto3 newer than the one locked
    root = copy_of_repo(tmp_path)
    requirements = root / "layers/mentionwatch/requirements.txt"
    requirements.write_text(requirements.read_text().replace("boto3>=1.34", "boto3>=99"))
    # When checked
    done = check(root)
    # Then the unmet pin is named
    assert done.returncode == 1
    assert "boto3>=99" in done.stderr and "requirements.lock" in done.stderr
