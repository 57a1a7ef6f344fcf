"""Imports flow one way: context -> rdd -> scheduler -> shuffle/storage -> fs -> common.

Checked statically from each module's import statements (imports only needed
for type hints, under ``if TYPE_CHECKING``, do not count).
"""
from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "minispark"
LEAVES = {"accumulators", "broadcast", "taskcontext", "files", "storagelevel", "statcounter",
          "resultiterable", "conf"}
ALLOWED = {
    "common": {"common"},
    "fs": {"fs", "common"},
    "storage": {"storage", "common", "fs", "storagelevel"},
    "shuffle": {"shuffle", "common", "fs"},
    "scheduler": {"scheduler", "shuffle", "storage", "common", "fs"} | LEAVES,
    "rdd": {"rdd", "scheduler", "shuffle", "storage", "common", "fs", "hadoop"} | LEAVES,
    "hdfs": {"hdfs", "fs", "common"},
    "hadoop": {"hadoop", "fs", "common"},
    "ui": {"ui", "scheduler", "common"},
    **{leaf: {"common", "errors"} for leaf in LEAVES},
}


def _runtime_imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {n.split(".")[1] for n in names if n.startswith("minispark.") and n.count(".") >= 1}


def _layer(path: pathlib.Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _layer(p) in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_its_own_layer_and_those_below(path):
    imported = _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
    layer = _layer(path)
    assert imported <= ALLOWED[layer], f"{layer} must not import {imported - ALLOWED[layer]}"
