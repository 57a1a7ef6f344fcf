"""Print pip constraints pinning dependencies to the oldest versions pyproject.toml allows.

Every runtime dependency is pinned at its floor; so are the test-extra
packages named on the command line (the test runner itself). The other test
extras resolve freely: they are oracles and fixtures, not what users install.
CI installs with these once (``pip install -c``) so the runtime floors are
proven, not guessed::

    python .ci/oldest_constraints.py pytest pytest-timeout hypothesis > oldest.txt
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_FLOOR = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)")


def _floor(requirement: str) -> tuple[str, str]:
    match = _FLOOR.match(requirement)
    if match is None:
        raise SystemExit(f"{requirement!r} has no '>=' floor to test")
    return match.group(1), match.group(2)


def floors(pyproject: Path, test_packages: list[str]) -> list[str]:
    """``name==floor`` for the runtime dependencies and the named test-extra packages."""
    project = tomllib.loads(pyproject.read_text())["project"]
    pins = [_floor(r) for r in project["dependencies"]]
    test = dict(_floor(r) for r in project["optional-dependencies"]["test"])
    missing = [name for name in test_packages if name not in test]
    if missing:
        raise SystemExit(f"not in the test extra: {', '.join(missing)}")
    pins += [(name, test[name]) for name in test_packages]
    return [f"{name}=={version}" for name, version in pins]


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    print("\n".join(floors(root / "pyproject.toml", sys.argv[1:])))
