"""Helpers for the web UI's tests: reading a running UI over HTTP."""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

#: The ``minispark`` command installed beside this interpreter, as a user runs it.
MINISPARK = str(Path(sys.executable).parent / "minispark")


def get_json(base: str, path: str) -> Any:
    """The JSON of ``<base>/api/v1/<path>``."""
    with urllib.request.urlopen(base + "/api/v1/" + path, timeout=10) as response:
        return json.loads(response.read())


def get_text(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.read().decode()


def get_status(base: str, path: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status of a GET, errors included."""
    request = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
