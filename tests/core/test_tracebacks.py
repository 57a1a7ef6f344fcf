"""A user function that fails in a task is reported with its own file, line and source,
whichever way it was shipped (cloudpickle >= 3.1.3 blanks the file name of code it ships)."""
from __future__ import annotations

import importlib.util
import linecache
import os
import pickle
import subprocess
import sys
import textwrap
import types
import uuid

import pytest

from minispark.common import serialization
from minispark.common.errors import SparkException

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USER_MODULE = '''\
def parse(line):
    host, size = line.split()
    return int(size)


def make_parser(base):
    def parse_with_base(line):
        return int(line, base)
    return parse_with_base


class Parser:
    def parse(self, line):
        return float(line.split()[1])
'''


def _load_by_path(path: str) -> types.ModuleType:
    """A module no executor can import (it is not in sys.modules): shipped by value."""
    spec = importlib.util.spec_from_file_location(f"user_mod_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _code_objects(code: types.CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


@pytest.fixture
def user_module(tmp_path):
    path = tmp_path / "user_parsing.py"
    path.write_text(USER_MODULE)
    return str(path), _load_by_path(str(path))


def test_shipped_code_keeps_the_file_name_of_every_nested_code_object(user_module):
    path, module = user_module
    for func in (module.parse, module.make_parser, module.make_parser(16),
                 module.Parser.parse):
        shipped = pickle.loads(serialization.dumps_code(func))
        names = {c.co_filename for c in _code_objects(shipped.__code__)}
        assert names == {path}, func
    assert pickle.loads(serialization.dumps_code(module.make_parser(16)))("ff") == 255


@pytest.mark.parametrize("call, needle", [
    ("parse", "return int(size)"),
    ("closure", "return int(line, base)"),
    ("method", "return float(line.split()[1])"),
])
def test_a_failing_function_from_a_user_file_names_that_file_and_line(sc, user_module,
                                                                       call, needle):
    path, module = user_module
    func = {"parse": module.parse, "closure": module.make_parser(2),
            "method": module.Parser().parse}[call]
    with pytest.raises(SparkException) as info:
        sc.parallelize(["a 1", "b x"], 2).map(func).collect()
    cause = str(info.value.__cause__)
    assert f'File "{path}", line {_line_of(USER_MODULE, needle)}' in cause, cause
    assert needle in cause and "<dynamic-code>" not in cause
    assert cause.strip().splitlines()[-1].startswith("ValueError: ")


def test_code_with_no_file_carries_its_source_lines(sc):
    # as a notebook cell or the REPL: linecache holds the source, no file does
    name = f"<minispark-test-cell-{uuid.uuid4().hex}>"
    source = "def cell_parse(x):\n    return 10 // (x - 3)\n"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    try:
        namespace = {"__name__": "notebook_cell"}
        exec(compile(source, name, "exec"), namespace)
        with pytest.raises(SparkException) as info:
            sc.parallelize(range(5), 2).map(namespace["cell_parse"]).collect()
    finally:
        del linecache.cache[name]
    cause = str(info.value.__cause__)
    assert f'File "{name}", line 2, in cell_parse' in cause and "return 10 // (x - 3)" in cause
    assert "ZeroDivisionError" in cause


SCRIPT = '''\
import sys
from minispark import SparkConf, SparkContext


def parse(line):
    host, size = line.split()
    return (host, int(size))


conf = SparkConf().set("minispark.executor.backend", sys.argv[2])
sc = SparkContext(sys.argv[1], "failing", conf=conf)
try:
    sc.parallelize(["a 1", "b two", "c 3"], 2).map(parse).collect()
finally:
    sc.stop()
'''


@pytest.mark.parametrize("master, backend", [("local[2]", "process"), ("local[2]", "inline")])
def test_a_scripts_failing_function_is_shown_as_python_shows_it(tmp_path, master, backend):
    script = tmp_path / "parse_logs.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get(
        "PYTHONPATH")])))
    done = subprocess.run([sys.executable, str(script), master, backend], capture_output=True,
                          text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 1
    line = _line_of(SCRIPT, "return (host, int(size))")
    expected = textwrap.dedent(f'''\
        File "{script}", line {line}, in parse
          return (host, int(size))
    ''')
    assert textwrap.indent(expected, "  ") in done.stderr, done.stderr[-3000:]
    assert "ValueError: invalid literal for int() with base 10: 'two'" in done.stderr
    assert "Job aborted due to stage failure" in done.stderr
