"""Thread helpers that keep job settings across threads (pyspark.util)."""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from minispark.context import SparkContext


def _properties_of_this_thread() -> dict[str, str]:
    sc = SparkContext._active_spark_context
    return dict(sc._local_properties()) if sc is not None else {}


def _with_properties(properties: dict[str, str], f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)
    def run(*args: Any, **kwargs: Any) -> Any:
        sc = SparkContext._active_spark_context
        if sc is not None:
            sc._local.props = dict(properties)
        return f(*args, **kwargs)
    return run


def inheritable_thread_target(f: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a thread target so it runs with the creating thread's local properties
    (job group, description, ...).

    >>> sc.setLocalProperty("team", "data")
    >>> seen = []
    >>> t = threading.Thread(target=inheritable_thread_target(
    ...     lambda: seen.append(sc.getLocalProperty("team"))))
    >>> t.start(); t.join(); seen
    ['data']
    """
    return _with_properties(_properties_of_this_thread(), f)


class InheritableThread(threading.Thread):
    """A thread that starts with its creator's local properties, so jobs it runs
    belong to the same job group (``sc.setJobGroup``) and can be cancelled with it.

    >>> sc.setJobGroup("g", "demo")
    >>> seen = []
    >>> t = InheritableThread(target=lambda: seen.append(sc.getLocalProperty("spark.jobGroup.id")))
    >>> t.start(); t.join(); seen
    ['g']
    >>> sc.setLocalProperty("spark.jobGroup.id", None)
    """

    def __init__(self, target: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(target=_with_properties(_properties_of_this_thread(), target),
                         *args, **kwargs)
