"""Exceptions that cross layers: what the driver raises when a job fails."""
from __future__ import annotations


class SparkException(Exception):
    """A job could not finish; the message names the stage, task and cause.

    Like PySpark's ``Py4JJavaError``/``SparkException``, the text begins with
    ``Job aborted due to stage failure``; the user's own traceback from the
    executor is chained as ``__cause__`` so it prints below this error.
    """


class RemoteTraceback(Exception):
    """Carries a traceback formatted in an executor process, printed verbatim."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return "\n" + self.text


class FetchFailedError(Exception):
    """A reduce task could not read a map output: the map must run again."""

    def __init__(self, shuffle_id: int, map_index: int, reason: str) -> None:
        super().__init__(f"shuffle {shuffle_id} map output {map_index} lost: {reason}")
        self.shuffle_id = shuffle_id
        self.map_index = map_index
        self.reason = reason

    def __reduce__(self):
        return (FetchFailedError, (self.shuffle_id, self.map_index, self.reason))


class TaskKilledError(Exception):
    """A running task was stopped because its job was cancelled."""
