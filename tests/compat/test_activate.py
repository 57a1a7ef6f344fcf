"""minispark.activate(): code that imports pyspark runs on minispark, driver and executors.

Activation changes a whole process (its import system and its executors), so
every test here runs in a fresh Python process.
"""
from __future__ import annotations

import ast
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

SUITE = pathlib.Path(__file__).parent / "pyspark_style"


def _run(args: list[str], cwd: pathlib.Path | str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=100, env={**os.environ, **env})


def _script(tmp_path: pathlib.Path, code: str, *path_entries: str) -> str:
    """Run ``code`` in a fresh interpreter; returns its stdout (fails on a non-zero exit)."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    pythonpath = os.pathsep.join([*path_entries, os.environ.get("PYTHONPATH", "")])
    done = _run([str(script)], tmp_path, PYTHONPATH=pythonpath)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("master, backend", [("local[2]", "process"), ("local[2]", "inline")])
def test_a_pyspark_style_test_suite_passes_unchanged(master, backend):
    tree = ast.parse((SUITE / "test_rdd_basics.py").read_text())
    tests = [n.name for n in tree.body
             if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    done = _run(["-m", "pytest", "-q"], SUITE,
                PYSPARK_STYLE_MASTER=master, PYSPARK_STYLE_BACKEND=backend)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"\b{len(tests)} passed\b", done.stdout), done.stdout


def test_every_minispark_module_is_its_pyspark_namesake(tmp_path):
    out = _script(tmp_path, """
        import importlib, sys
        import minispark, minispark.rdd, minispark.core.rdd
        minispark.activate()
        import pyspark
        from pyspark import SparkContext
        from pyspark.rdd import BoundedFloat, portable_hash
        from minispark.rdd.approx import BoundedFloat as Bounded
        from minispark.shuffle.partitioner import portable_hash as phash
        assert pyspark is minispark and SparkContext is minispark.SparkContext
        assert BoundedFloat is Bounded and portable_hash is phash
        names = [n for n in list(sys.modules) if n.startswith("minispark.")]
        for name in names:
            module = sys.modules[name]
            spec_name, has_path = module.__spec__.name, hasattr(module, "__path__")
            alias = importlib.import_module("pyspark" + name[len("minispark"):])
            assert alias is module, name
            # the alias leaves the module's own identity alone
            assert module.__spec__.name == spec_name and hasattr(module, "__path__") == has_path
        print(len(names))
    """)
    assert int(out) > 20


def test_a_module_minispark_lacks_fails_to_import_with_its_name(tmp_path):
    out = _script(tmp_path, """
        import minispark
        minispark.activate()
        try:
            import pyspark.no_such_module
        except ModuleNotFoundError as exc:
            print(exc.name, "|", exc)
    """)
    name, message = out.strip().split(" | ")
    assert name == "pyspark.no_such_module"
    assert "minispark.no_such_module" in message


def _fake_pyspark(tmp_path: pathlib.Path) -> str:
    """A stand-in for a real pyspark installed alongside minispark."""
    folder = tmp_path / "site"
    (folder / "pyspark").mkdir(parents=True)
    (folder / "pyspark" / "__init__.py").write_text("REAL = True\n")
    return str(folder)


@pytest.mark.parametrize("imported_first", [False, True])
def test_activate_wins_over_an_installed_pyspark(tmp_path, imported_first):
    out = _script(tmp_path, f"""
        import warnings
        if {imported_first}:
            import pyspark
            assert pyspark.REAL
        import minispark
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            minispark.activate()
        print(len(caught))
        import pyspark
        assert pyspark is minispark
        sc = pyspark.SparkContext("local[2]", "t")
        names = sc.parallelize(range(4), 4).map(lambda _: __import__("pyspark").__name__)
        print(sorted(set(names.collect())))
        sc.stop()
    """, _fake_pyspark(tmp_path))
    warnings, names = out.splitlines()
    assert int(warnings) == int(imported_first)  # a warning only when pyspark was imported first
    assert names == "['minispark']"


def test_executors_already_running_and_their_replacements_resolve_pyspark(tmp_path):
    out = _script(tmp_path, """
        import os, signal, time
        import minispark
        sc = minispark.SparkContext("local[2]", "t")
        assert sc.parallelize(range(4), 2).count() == 4  # executors up before activate()
        minispark.activate()

        def probe(_):
            from pyspark import TaskContext
            return os.getpid(), TaskContext.get().partitionId()

        first = dict(sc.parallelize(range(4), 4).map(probe).collect())
        victim = next(iter(first))
        os.kill(victim, signal.SIGKILL)  # its replacement starts after activate()
        deadline = time.monotonic() + 30
        pids = set(first)
        while victim in pids or len(pids) < 2:
            assert time.monotonic() < deadline, pids
            pids = {pid for pid, _ in sc.parallelize(range(8), 8).map(probe).collect()}
        print(sorted(part for _, part in sc.parallelize(range(8), 8).map(probe).collect()))
        sc.stop()
    """)
    assert out.strip() == str(list(range(8)))


def test_python_m_minispark_activation_runs_a_pyspark_script(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent("""
        import sys
        from operator import add
        from pyspark import SparkContext

        if __name__ == "__main__":
            sc = SparkContext("local[2]", "app")
            words = sys.argv[1:]
            print(sorted(sc.parallelize(words, 2).map(lambda w: (w, 1)).reduceByKey(add).collect()))
            sc.stop()
    """))
    words = ["a", "b", "a"]
    done = _run(["-m", "minispark.activation", str(app), *words], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted({w: words.count(w) for w in words}.items()))
    missing = _run(["-m", "minispark.activation", str(tmp_path / "nope.py")], tmp_path)
    assert missing.returncode != 0 and "nope.py" in missing.stderr
