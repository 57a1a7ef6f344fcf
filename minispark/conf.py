"""SparkConf: key-value configuration, with pyspark's method names.

``SparkConf()`` (``loadDefaults=True``) starts from the settings the
application was launched with, as PySpark's does from spark-submit's system
properties: those ``minispark submit`` or ``minispark shell`` hand over in
``$MINISPARK_SUBMIT_CONF``, else ``$MINISPARK_CONF_DIR/spark-defaults.conf``
(which PySpark also reads for a plain ``python app.py``).
"""
from __future__ import annotations

import json
import logging
import os
import re
from typing import Iterable

log = logging.getLogger("minispark")

#: Settings from ``minispark submit``/``shell``, a JSON object; the launched
#: application's ``SparkConf()`` reads them (spark-submit uses system properties).
SUBMITTED_CONF_ENV = "MINISPARK_SUBMIT_CONF"
#: The folder holding ``spark-defaults.conf`` (Spark's ``$SPARK_CONF_DIR``).
CONF_DIR_ENV = "MINISPARK_CONF_DIR"


class SparkConf:
    """Configuration for a minispark application.

    >>> conf = SparkConf().setMaster("local[2]").setAppName("demo")
    >>> conf.get("spark.master"), conf.contains("spark.app.name")
    ('local[2]', True)
    >>> conf.get("missing", "fallback")
    'fallback'
    """

    def __init__(self, loadDefaults: bool = True, _jvm: object = None, _jconf: object = None) -> None:
        self._conf: dict[str, str] = ({**default_properties(), **_spark_system_properties()}
                                      if loadDefaults else {})

    def set(self, key: str, value: object) -> "SparkConf":
        """Set one property; values are kept as strings, as Spark does."""
        self._conf[key] = str(value)
        return self

    def setIfMissing(self, key: str, value: object) -> "SparkConf":
        """Set a property only when it is not set yet."""
        if key not in self._conf:
            self.set(key, value)
        return self

    def setMaster(self, value: str) -> "SparkConf":
        """Set ``spark.master``, e.g. ``local[4]``."""
        return self.set("spark.master", value)

    def setAppName(self, value: str) -> "SparkConf":
        """Set ``spark.app.name``."""
        return self.set("spark.app.name", value)

    def setSparkHome(self, value: str) -> "SparkConf":
        """Accepted for compatibility; minispark needs no Spark home."""
        return self.set("spark.home", value)

    def setExecutorEnv(self, key: str | None = None, value: str | None = None,
                       pairs: Iterable[tuple[str, str]] | None = None) -> "SparkConf":
        """Set environment variables of executor processes."""
        if (key is None) == (pairs is None):
            raise ValueError("Either pass one key-value pair or a list of pairs")
        for k, v in ([(key, value)] if key is not None else pairs or []):
            self.set(f"spark.executorEnv.{k}", v)
        return self

    def setAll(self, pairs: Iterable[tuple[str, object]]) -> "SparkConf":
        """Set several properties from (key, value) pairs."""
        for key, value in pairs:
            self.set(key, value)
        return self

    def get(self, key: str, defaultValue: str | None = None) -> str | None:
        """The value of ``key``, or ``defaultValue``."""
        return self._conf.get(key, defaultValue)

    def getAll(self) -> list[tuple[str, str]]:
        """Every (key, value) pair that is set."""
        return list(self._conf.items())

    def contains(self, key: str) -> bool:
        """Whether ``key`` is set."""
        return key in self._conf

    def toDebugString(self) -> str:
        """The configuration, one ``key=value`` per line."""
        return "\n".join(f"{k}={v}" for k, v in sorted(self._conf.items()))

    def copy(self) -> "SparkConf":
        """An independent copy (the context keeps one so later edits don't leak in)."""
        return SparkConf(loadDefaults=False).setAll(self._conf.items())

    def _paths(self, key: str) -> list[str]:
        """The comma-separated list in ``key`` (``spark.files``, ``spark.submit.pyFiles``)."""
        return [p.strip() for p in (self.get(key) or "").split(",") if p.strip()]


#: The stand-in for Java system properties (minispark has no JVM): those set by
#: ``SparkContext.setSystemProperty`` in this process. ``SPARK_SUBMIT`` is
#: "true", as in every PySpark driver, whose JVM spark-submit always launches.
_system_properties: dict[str, str] = {"SPARK_SUBMIT": "true"}


def set_system_property(key: str, value: str) -> None:
    """Set a system property; ``SparkConf()`` loads the ``spark.*`` ones, as Spark's does."""
    _system_properties[key] = str(value)


def system_property(key: str) -> str | None:
    """A system property: one set in this process, else a launch setting, else None.

    >>> set_system_property("spark.demo.key", "1")
    >>> system_property("spark.demo.key"), SparkConf().get("spark.demo.key")
    ('1', '1')
    >>> del _system_properties["spark.demo.key"]
    >>> system_property("SPARK_SUBMIT"), system_property("java.home")
    ('true', None)
    """
    if key in _system_properties:
        return _system_properties[key]
    return default_properties().get(key)


def _spark_system_properties() -> dict[str, str]:
    return {k: v for k, v in _system_properties.items() if k.startswith(("spark.", "minispark."))}


def default_properties() -> dict[str, str]:
    """What ``SparkConf()`` starts from: the submitted settings, else the defaults file.

    >>> import os
    >>> os.environ[SUBMITTED_CONF_ENV] = '{"spark.master": "local[3]"}'
    >>> try:
    ...     print(default_properties(), SparkConf().get("spark.master"))
    ... finally:
    ...     del os.environ[SUBMITTED_CONF_ENV]
    {'spark.master': 'local[3]'} local[3]
    """
    submitted = os.environ.get(SUBMITTED_CONF_ENV)
    if submitted is not None:
        try:
            settings = json.loads(submitted)
        except ValueError as exc:
            raise ValueError(f"${SUBMITTED_CONF_ENV} is not valid JSON: {exc}") from None
        if not isinstance(settings, dict):
            raise ValueError(f"${SUBMITTED_CONF_ENV} must be a JSON object of settings")
        return {str(k): str(v) for k, v in settings.items()}
    path = defaults_file()
    return spark_properties(read_properties_file(path)) if path else {}


def defaults_file() -> str | None:
    """``$MINISPARK_CONF_DIR/spark-defaults.conf`` when it exists, else None."""
    folder = os.environ.get(CONF_DIR_ENV)
    path = os.path.join(folder, "spark-defaults.conf") if folder else None
    return path if path and os.path.isfile(path) else None


def spark_properties(properties: dict[str, str]) -> dict[str, str]:
    """The ``spark.*`` and ``minispark.*`` settings; other keys are dropped with a warning.

    >>> spark_properties({"spark.master": "local", "minispark.executor.backend": "inline"})
    {'spark.master': 'local', 'minispark.executor.backend': 'inline'}
    """
    kept = {}
    for key, value in properties.items():
        if key.startswith(("spark.", "minispark.")):
            kept[key] = value
        else:
            log.warning("Ignoring non-Spark config property: %s", key)
    return kept


def read_properties_file(path: str) -> dict[str, str]:
    """The settings in a ``spark-defaults.conf`` style file (Java properties).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "spark-defaults.conf")
    >>> _ = open(path, "w").write("# comment\\nspark.master  local[2]\\nspark.app.name=my app\\n")
    >>> read_properties_file(path)
    {'spark.master': 'local[2]', 'spark.app.name': 'my app'}
    """
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise OSError(f"Cannot read properties file {path}: {exc.strerror}") from None
    try:
        return parse_properties(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def parse_properties(text: str) -> dict[str, str]:
    r"""Java properties text: ``key value``, ``key=value`` or ``key: value`` per line.

    ``#`` and ``!`` start comments, a trailing backslash continues a line,
    backslash escapes (``\t``, ``\n``, ``\uXXXX``, ``\=``) are decoded, and
    values are trimmed, as Spark reads ``spark-defaults.conf``.

    >>> parse_properties("a 1\n! note\nb=x \\\n   y\nc\\=d : \\u00e9 \n")
    {'a': '1', 'b': 'x y', 'c=d': 'é'}
    """
    properties = {}
    for line in _logical_lines(text):
        key, value = _split_property(line)
        properties[_unescape(key)] = _unescape(value).strip()
    return properties


def _logical_lines(text: str) -> Iterable[str]:
    pending: str | None = None
    for raw in text.splitlines():
        line = raw.lstrip()
        if pending is None and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:  # an odd count: the last backslash joins the next line
            pending = (pending or "") + line[:-1]
            continue
        yield (pending or "") + line
        pending = None
    if pending:
        yield pending


_SEPARATOR_SPACE = " \t\f"


def _split_property(line: str) -> tuple[str, str]:
    """(key, value): the key ends at the first unescaped ``=``, ``:`` or blank."""
    i = 0
    while i < len(line) and line[i] not in "=:" + _SEPARATOR_SPACE:
        i += 2 if line[i] == "\\" else 1
    rest = line[i:].lstrip(_SEPARATOR_SPACE)
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(_SEPARATOR_SPACE)
    return line[:i], rest


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|u|.)", re.DOTALL)
_ESCAPED = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    def decode(match: re.Match) -> str:
        code = match.group(1)
        if code == "u":
            raise ValueError(f"malformed \\uxxxx escape in {text!r}")
        return chr(int(code[1:], 16)) if len(code) == 5 else _ESCAPED.get(code, code)
    return _ESCAPE.sub(decode, text)
