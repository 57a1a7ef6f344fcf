"""``minispark shell`` / ``python -m minispark``, driven in a pseudo-terminal as a user would."""
from __future__ import annotations

import sys
import textwrap
import time

import pexpect
import pytest

from minispark.cli import shell
from tests.cli.helpers import MINISPARK, children, clean_env, run_minispark, wait_all_gone

PROMPT = ">>> "


def spawn(*args: str, cwd, command: str = sys.executable,
          module: bool = True) -> pexpect.spawn:
    argv = (["-m", "minispark"] if module else []) + list(args)
    child = pexpect.spawn(command, argv, cwd=str(cwd), env=clean_env(COLUMNS="80"),
                          encoding="utf-8", timeout=60, dimensions=(40, 200))
    child.expect_exact(PROMPT)
    return child


def ask(child: pexpect.spawn, line: str, answer: str, timeout: float = 60) -> None:
    """Type ``line``; its printed result must match the regex ``answer``, then a prompt."""
    child.sendline(line)
    child.expect(answer, timeout=timeout)
    child.expect_exact(PROMPT)


def exit_with_ctrl_d(child: pexpect.spawn) -> None:
    executors = children(child.pid)
    child.sendeof()
    child.expect(pexpect.EOF, timeout=60)
    child.wait()
    assert child.exitstatus == 0, child.before
    assert wait_all_gone(executors) == set(), "executor processes outlived the shell"


def test_banner_typed_input_completion_and_ctrl_d_stops_every_executor(tmp_path):
    child = spawn("--master", "local[2]", "--repl", "python", cwd=tmp_path)
    banner = child.before
    assert "Welcome to minispark version 0.1.0" in banner
    assert "Spark context available as 'sc' (master = local[2], app id = local-" in banner
    assert ("SparkSession available as 'spark'." in banner) == \
        (shell.sql_session_class() is not None)
    assert len(children(child.pid)) == 2  # one process per executor
    expected = sum(x * x for x in range(100))
    ask(child, "sc.parallelize(range(100), 4).map(lambda x: x * x).sum()", rf"[\r\n]{expected}\r\n")
    ask(child, "def grow(v):\n    return v + offset\n", r"\.\.\. ")
    ask(child, "offset = 1000", "")
    ask(child, "sorted(sc.parallelize([1, 2, 3]).map(grow).collect())",
        r"\[1001, 1002, 1003\]")
    child.send("sc.applicationI\t")  # tab completes the attribute name
    ask(child, "", r"'local-\d+'")
    exit_with_ctrl_d(child)


def test_ctrl_c_cancels_a_long_job_and_the_context_lives_on(tmp_path):
    child = spawn("--master", "local[2]", "--repl", "python", cwd=tmp_path)
    child.sendline("sc.parallelize(range(4), 4).map(lambda x: __import__('time').sleep(90) "
                   "or x).collect()")
    child.expect(r"\[Stage \d+:[=> ]*\(0 \+ 2\) / 4\]", timeout=30)  # running: the bar shows
    child.sendintr()
    child.expect("KeyboardInterrupt", timeout=30)
    child.expect_exact(PROMPT)
    began = time.monotonic()
    # Tasks left sleeping would hold both executors for 90 s: the job must not wait.
    ask(child, "sc.parallelize(range(10), 2).map(lambda x: x + 1).sum()", r"[\r\n]55\r\n",
        timeout=40)
    assert time.monotonic() - began < 40
    child.sendintr()  # at the prompt, Ctrl-C just starts a fresh line
    child.expect("KeyboardInterrupt")
    ask(child, "sc.parallelize(range(3)).count()", r"[\r\n]3\r\n")
    exit_with_ctrl_d(child)


def test_options_and_startup_script_reach_the_session(tmp_path):
    (tmp_path / "helper_mod.py").write_text("def triple(x):\n    return 3 * x\n")
    (tmp_path / "lookup.txt").write_text("forty-two")
    (tmp_path / "startup.py").write_text(textwrap.dedent("""\
        import helper_mod
        from minispark import SparkFiles
        loaded = sc.parallelize(range(4), 2).map(helper_mod.triple).collect()
        raise ValueError("startup failed here")
        """))
    other = tmp_path / "elsewhere"
    other.mkdir()
    child = spawn("--master", "local[1]", "--name", "my shell", "--conf",
                  "spark.task.maxFailures=2", "--py-files", str(tmp_path / "helper_mod.py"),
                  "--files", str(tmp_path / "lookup.txt"), "-i", str(tmp_path / "startup.py"),
                  "--repl", "python", cwd=other)
    assert 'startup.py", line 4' in child.before and "ValueError: startup failed here" \
        in child.before  # the script's own traceback, then the prompt
    ask(child, "loaded", r"\[0, 3, 6, 9\]")
    ask(child, "sc.appName, sc.master, sc.getConf().get('spark.task.maxFailures')",
        r"\('my shell', 'local\[1\]', '2'\)")
    ask(child, "sc.parallelize([0]).map(lambda _: open(SparkFiles.get('lookup.txt')).read())"
               ".collect()", r"\['forty-two'\]")
    exit_with_ctrl_d(child)


def test_the_minispark_command_starts_the_same_shell(tmp_path):
    child = spawn("shell", "--master", "local[1]", "--repl", "python", cwd=tmp_path,
                  command=MINISPARK, module=False)
    assert "master = local[1]" in child.before
    ask(child, "sc.range(5).sum()", r"[\r\n]10\r\n")
    exit_with_ctrl_d(child)


def write_stub_ipython(folder, body: str) -> dict[str, str]:
    package = folder / "IPython"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(body))
    return clean_env(PYTHONPATH=str(folder))


def test_ipython_is_the_prompt_when_installed(tmp_path):
    env = write_stub_ipython(tmp_path, """\
        def start_ipython(argv, user_ns):
            names = sorted(k for k in user_ns if not k.startswith("_"))
            print("IPYTHON", argv, names)
            print("SUM", user_ns["sc"].parallelize(range(5)).sum())
        """)
    done = run_minispark("shell", "--master", "local[1]", env=env, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    expected_names = ["SparkConf", "SparkContext", "sc"]
    if shell.sql_session_class() is not None:
        expected_names = ["SparkConf", "SparkContext", "SparkSession", "sc", "spark", "sql"]
    assert (f"IPYTHON ['--no-banner', '--TerminalInteractiveShell.confirm_exit=False'] "
            f"{expected_names}") in done.stdout
    assert "SUM 10" in done.stdout


def test_without_ipython_the_python_prompt_serves(tmp_path):
    env = write_stub_ipython(tmp_path, "raise ImportError('IPython is not installed')\n")
    done = run_minispark("shell", "--master", "local[1]", env=env, cwd=str(tmp_path),
                         stdin="print('PLAIN', sc.parallelize(range(4)).sum())\n")
    assert done.returncode == 0, done.stderr
    assert "PLAIN 6" in done.stdout
    refused = run_minispark("shell", "--repl", "ipython", env=env, cwd=str(tmp_path))
    assert refused.returncode == 2
    assert "--repl ipython: IPython is not installed" in refused.stderr


@pytest.mark.parametrize("args, message", [
    (["-i", "missing.py"], "-i: no such file: missing.py"),
    (["--py-files", "missing.zip"], "--py-files: no such file: missing.zip"),
    (["--conf", "spark.master"], "--conf: expected KEY=VALUE, got 'spark.master'"),
    (["--executor-memory", "lots"], "--executor-memory: invalid size 'lots'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_options_are_named(capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        shell.main(args)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


class FakeSession:
    stopped = False

    class builder:  # noqa: N801 - PySpark's spelling
        @staticmethod
        def getOrCreate():
            return FakeSession()

    def sql(self, query):
        return query

    def stop(self):
        FakeSession.stopped = True


def test_spark_is_offered_once_the_sql_layer_has_a_session(monkeypatch):
    from minispark import SparkContext

    active = SparkContext._active_spark_context
    if active is not None:
        active.stop()
    monkeypatch.setattr(shell, "sql_session_class", lambda: FakeSession)
    monkeypatch.setenv("MINISPARK_SUBMIT_CONF", '{"spark.master": "local[1]"}')
    namespace = shell.start_session()
    try:
        assert isinstance(namespace["spark"], FakeSession)
        assert namespace["sql"]("SELECT 1") == "SELECT 1"
        assert "SparkSession available as 'spark'." in shell.banner(namespace)
        assert namespace["sc"].master == "local[1]"
    finally:
        shell.stop_session(namespace)
    assert FakeSession.stopped and namespace["sc"]._stopped
    monkeypatch.setattr(shell, "sql_session_class", lambda: None)
    namespace = shell.start_session()
    shell.stop_session(namespace)
    assert "spark" not in namespace and "SparkSession" not in shell.banner(namespace)


def test_a_bad_setting_stops_the_shell_before_the_prompt(tmp_path):
    done = run_minispark("shell", "--master", "local[two]", "--repl", "python", cwd=str(tmp_path),
                         env=clean_env(), stdin="print('must not run')\n")
    assert done.returncode == 1 and "must not run" not in done.stdout
    assert "minispark shell: error: Could not parse Master URL: 'local[two]'" in done.stderr
