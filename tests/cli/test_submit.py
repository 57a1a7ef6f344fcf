"""``minispark submit``: settings reach the application, files ship, exit codes are its own."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile

import pytest

from minispark.cli import submit
from tests.cli.helpers import clean_env, run_minispark

#: Prints what the application sees, as JSON on one line, then exits with argv[1].
REPORT_APP = """\
    import json, sys
    from minispark import SparkConf, SparkContext

    conf = SparkConf()
    if "--own-name" in sys.argv:
        conf.setAppName("named by the app")
    sc = SparkContext(conf=conf)
    settings = dict(sc.getConf().getAll())
    print(json.dumps({"argv": sys.argv, "master": sc.master, "name": sc.appName,
                      "settings": settings}))
    sc.stop()
    sys.exit(int(sys.argv[1]))
    """


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def report(done) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_settings_reach_the_app_with_spark_submits_precedence(tmp_path):
    app = write(tmp_path, "report.py", REPORT_APP)
    write(tmp_path, "spark-defaults.conf", """\
        # defaults for every application
        spark.master                local[2]
        spark.locality.wait=1s
        spark.task.maxFailures      9
        not.spark.key               ignored
        """)
    env = clean_env(MINISPARK_CONF_DIR=str(tmp_path))
    done = run_minispark("submit", "--conf", "spark.task.maxFailures=3",
                         "--conf", "spark.master=local[3]", "--master", "local[1]",
                         "--executor-memory", "700m", str(app), "0", "extra", "--master", "x",
                         env=env, cwd=str(tmp_path))
    seen = report(done)
    assert seen["argv"] == [str(app), "0", "extra", "--master", "x"]
    assert seen["master"] == "local[1]"  # --master beats --conf beats the defaults file
    assert seen["name"] == "report.py"  # spark-submit names the app after its script
    settings = seen["settings"]
    assert settings["spark.task.maxFailures"] == "3"
    assert settings["spark.locality.wait"] == "1s"
    assert settings["spark.executor.memory"] == "700m"
    assert "not.spark.key" not in settings
    assert "Ignoring non-Spark config property: not.spark.key" in done.stderr
    own = report(run_minispark("submit", "--name", "from submit", str(app), "0", "--own-name",
                               env=env, cwd=str(tmp_path)))
    assert own["name"] == "named by the app"  # the application's own settings win


def test_properties_file_replaces_the_defaults_and_plain_python_reads_defaults(tmp_path):
    app = write(tmp_path, "report.py", REPORT_APP)
    write(tmp_path, "spark-defaults.conf", "spark.master local[2]\nspark.locality.wait 1s\n")
    props = write(tmp_path, "job.properties", "spark.app.name = nightly \\\n  job\n")
    env = clean_env(MINISPARK_CONF_DIR=str(tmp_path))
    seen = report(run_minispark("submit", "--properties-file", str(props), str(app), "0",
                                env=env))
    assert seen["name"] == "nightly job" and seen["master"] != "local[2]"
    assert "spark.locality.wait" not in seen["settings"]
    # PySpark reads spark-defaults.conf for a plain `python app.py` too.
    plain = subprocess.run([sys.executable, str(app), "0"], env=env, capture_output=True,
                           text=True, timeout=90)
    seen = report(plain)
    assert seen["master"] == "local[2]" and seen["settings"]["spark.locality.wait"] == "1s"


def test_py_files_are_importable_on_the_driver_and_in_executors(tmp_path):
    deps = tmp_path / "deps"
    deps.mkdir()
    write(deps, "shapes.py", "def area(w, h):\n    return w * h\n")
    with zipfile.ZipFile(deps / "textlib.zip", "w") as archive:
        archive.writestr("textlib/__init__.py", "def shout(s):\n    return s.upper() + '!'\n")
    write(deps, "greeting.txt", "hello")
    app = write(tmp_path, "app.py", """\
        import json, os
        import shapes, textlib  # before any context: the driver finds them at once
        from minispark import SparkContext, SparkFiles

        sc = SparkContext()

        def work(x):
            root = SparkFiles.getRootDirectory()
            with open(SparkFiles.get("greeting.txt")) as f:
                word = f.read()
            return (shapes.area(x, 2), textlib.shout(word), os.getpid(),
                    shapes.__file__.startswith(root), textlib.__file__.startswith(root))

        rows = sc.parallelize(range(6), 6).map(work).collect()
        print(json.dumps({"rows": rows, "driver": os.getpid()}))
        sc.stop()
        """)
    done = run_minispark(
        "submit", "--master", "local[2]",
        "--py-files", f"{deps / 'shapes.py'},{deps / 'textlib.zip'}",
        "--files", str(deps / "greeting.txt"), str(app), cwd=str(tmp_path), env=clean_env())
    seen = report(done)
    rows = seen["rows"]
    assert [r[:2] for r in rows] == [[x * 2, "HELLO!"] for x in range(6)]
    assert all(r[2] != seen["driver"] for r in rows)  # computed in executor processes
    assert all(r[3] and r[4] for r in rows)  # from the copies shipped to the executors


@pytest.mark.parametrize("body, code, stderr_has", [
    ("import sys\nsys.exit(7)\n", 7, ""),
    ("import sys\nsys.exit('stopping: no input')\n", 1, "stopping: no input"),
    ("def load():\n    raise ValueError('bad record 17')\nload()\n", 1,
     "ValueError: bad record 17"),
    ("print('fine')\n", 0, ""),
])
def test_the_exit_code_is_the_applications(tmp_path, body, code, stderr_has):
    app = write(tmp_path, "app.py", body)
    done = run_minispark("submit", str(app), env=clean_env())
    assert done.returncode == code, done.stderr
    assert stderr_has in done.stderr
    if code == 1 and "ValueError" in stderr_has:
        assert f'File "{app}", line 2, in load' in done.stderr  # the user's own traceback


def test_verbose_prints_the_settings(tmp_path):
    app = write(tmp_path, "app.py", "print('ran')\n")
    done = run_minispark("submit", "--verbose", "--master", "local[1]", "--driver-memory", "2g",
                         str(app), "a1", env=clean_env())
    assert done.returncode == 0 and done.stdout == "ran\n"
    assert f"Main application: {app} a1" in done.stderr
    assert "(spark.master,local[1])" in done.stderr
    assert "(spark.driver.memory,2g)" in done.stderr


@pytest.mark.parametrize("args, message", [
    ([], "no application given"),
    (["missing.py"], "app.py: no such file: missing.py"),
    (["job.jar"], "job.jar: minispark runs Python applications only"),
    (["--py-files", "nowhere.zip", "APP"], "--py-files: no such file: nowhere.zip"),
    (["--py-files", "DATA", "APP"], "is not a .py, .zip, .egg file"),
    (["--files", "nowhere.txt", "APP"], "--files: no such file: nowhere.txt"),
    (["--properties-file", "none.conf", "APP"], "--properties-file: no such file: none.conf"),
    (["--conf", "spark.master", "APP"], "--conf: expected KEY=VALUE, got 'spark.master'"),
    (["--driver-memory", "1x", "APP"], "--driver-memory: invalid size '1x'"),
    (["--mastr", "local", "APP"], "unrecognized arguments: --mastr"),
    (["--master"], "argument --master: expected one argument"),
])
def test_bad_options_give_clear_errors(tmp_path, capsys, args, message):
    app = write(tmp_path, "app.py", "print('must not run')\n")
    data = write(tmp_path, "data.txt", "x")
    argv = [str(app) if a == "APP" else str(data) if a == "DATA" else a for a in args]
    with pytest.raises(SystemExit) as stop:
        submit.main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "minispark submit: error:" in err and message in err, err


def test_a_malformed_defaults_file_is_named(tmp_path):
    app = write(tmp_path, "app.py", "print('must not run')\n")
    write(tmp_path, "spark-defaults.conf", "spark.app.name caf\\u00\n")
    done = run_minispark("submit", str(app), env=clean_env(MINISPARK_CONF_DIR=str(tmp_path)))
    assert done.returncode == 2 and "must not run" not in done.stdout
    assert f"{tmp_path / 'spark-defaults.conf'}: malformed \\uxxxx escape" in done.stderr
