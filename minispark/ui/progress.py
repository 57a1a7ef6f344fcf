"""The console progress bar: Spark's ``[Stage 3:=====>      (12 + 2) / 40]`` on stderr.

A listener on the scheduler's bus: it keeps its own count of each active
stage's tasks from the events it receives, and a ticker thread, alive only
while some stage is active, redraws the line every 200 ms as Spark's
``ConsoleProgressBar`` does. A stage appears once it has run for 500 ms (so
short jobs print nothing), at most three stages share the line, each in an
equal share of the terminal's width, and the line is erased when its stages
end and at once when the job ends.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, TextIO

from minispark.scheduler.events import (
    JobEnd, SparkListener, StageCompleted, StageSubmitted, TaskEnd, TaskStart,
)

#: A stage shows once it has run this long; none shows this soon after a job ended.
FIRST_DELAY = 0.5
#: Seconds between redraws: at most five a second.
UPDATE_INTERVAL = 0.2
#: Stages on the line at once (the lowest stage ids).
MAX_STAGES_SHOWN = 3
#: An unchanged line is still rewritten this often, so idle ssh sessions stay open.
REFRESH_UNCHANGED = 60.0
DEFAULT_WIDTH = 80


@dataclass
class _Stage:
    stage_id: int
    attempt: int
    job_id: int
    num_tasks: int
    submitted_at: float
    active: int = 0
    completed: int = 0


class ConsoleProgressBar(SparkListener):
    """Draws the progress of active stages on one terminal line.

    ``stream`` defaults to ``sys.stderr`` as it is when a line is written;
    ``clock`` and ``ticking=False`` let tests drive ``refresh()`` themselves.

    >>> import io
    >>> from minispark.scheduler.events import StageInfo, StageSubmitted, TaskStart
    >>> now = [0.0]
    >>> out = io.StringIO()
    >>> bar = ConsoleProgressBar(out, clock=lambda: now[0], width=40, ticking=False)
    >>> bar.on_event(StageSubmitted(0, StageInfo(3, 0, "collect", 8, 0, [], False)))
    >>> bar.on_event(TaskStart(3, 0, 0, 0, 0, "0"))
    >>> now[0] = 0.6; bar.refresh()
    >>> out.getvalue()
    '\\r[Stage 3:>                  (0 + 1) / 8]\\r'
    """

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                 width: int | None = None, ticking: bool = True) -> None:
        self._stream = stream
        self._clock = clock
        self._width = width
        self._ticking = ticking
        self._lock = threading.Lock()
        self._stages: dict[int, _Stage] = {}
        self._line = ""
        self._written_at = float("-inf")
        self._job_ended_at = float("-inf")
        self._ticker: threading.Thread | None = None

    # ---- events ----------------------------------------------------------------------

    def on_stage_submitted(self, e: StageSubmitted) -> None:
        info = e.info
        with self._lock:
            self._stages[info.stage_id] = _Stage(info.stage_id, info.attempt, e.job_id,
                                                 info.num_tasks, self._clock())
            if self._ticking and self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, daemon=True,
                                                name="console-progress-bar")
                self._ticker.start()

    def on_stage_completed(self, e: StageCompleted) -> None:
        with self._lock:
            stage = self._stages.get(e.info.stage_id)
            if stage is not None and stage.attempt == e.info.attempt:
                del self._stages[e.info.stage_id]

    def on_task_start(self, e: TaskStart) -> None:
        with self._lock:
            stage = self._current(e.stage_id, e.stage_attempt)
            if stage is not None:
                stage.active += 1

    def on_task_end(self, e: TaskEnd) -> None:
        with self._lock:
            stage = self._current(e.stage_id, e.stage_attempt)
            if stage is not None:
                stage.active = max(0, stage.active - 1)
                stage.completed += e.succeeded

    def on_job_end(self, e: JobEnd) -> None:
        # Erased before the caller prints the job's result (or its error).
        with self._lock:
            self._stages = {k: s for k, s in self._stages.items() if s.job_id != e.job_id}
            self._job_ended_at = self._clock()
            self._clear()

    def _current(self, stage_id: int, attempt: int) -> _Stage | None:
        stage = self._stages.get(stage_id)
        return stage if stage is not None and stage.attempt == attempt else None

    # ---- drawing -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw the line from the stages that have run for ``FIRST_DELAY``."""
        with self._lock:
            now = self._clock()
            if now - self._job_ended_at < FIRST_DELAY:
                return
            shown = sorted((s for s in self._stages.values()
                            if now - s.submitted_at > FIRST_DELAY),
                           key=lambda s: s.stage_id)[:MAX_STAGES_SHOWN]
            if not shown:
                self._clear()
                return
            share = self._terminal_width() // len(shown)
            line = "".join(render_stage(s.stage_id, s.completed, s.active, s.num_tasks, share)
                           for s in shown)
            if line != self._line or now - self._written_at > REFRESH_UNCHANGED:
                self._write("\r" + line + "\r")
                self._written_at = now
            self._line = line

    def _tick(self) -> None:
        while True:
            time.sleep(UPDATE_INTERVAL)
            self.refresh()
            with self._lock:
                if not self._stages:
                    self._clear()
                    self._ticker = None
                    return

    def _clear(self) -> None:
        if self._line:
            self._write("\r" + " " * self._terminal_width() + "\r")
            self._line = ""

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stderr
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):
            pass  # stderr closed or gone: there is nobody left to show progress to

    def _terminal_width(self) -> int:
        """``$COLUMNS`` as Spark reads it, else the terminal's width, else 80."""
        if self._width is not None:
            return self._width
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        try:
            return os.get_terminal_size((self._stream or sys.stderr).fileno()).columns
        except (AttributeError, OSError, ValueError):
            return DEFAULT_WIDTH


def render_stage(stage_id: int, completed: int, active: int, total: int, width: int) -> str:
    """One stage's part of the line, ``width`` characters when there is room for a bar.

    >>> render_stage(3, 12, 2, 40, 40)
    '[Stage 3:=====>           (12 + 2) / 40]'
    >>> render_stage(0, 6, 0, 6, 24)
    '[Stage 0:===(6 + 0) / 6]'
    """
    head = f"[Stage {stage_id}:"
    tail = f"({completed} + {active}) / {total}]"
    room = width - len(head) - len(tail)
    if room <= 0:
        return head + tail
    filled = min(room, room * completed // total) if total else 0
    return head + ("=" * filled + ">" + " " * room)[:room] + tail


def console_progress_bar(show: bool | None) -> ConsoleProgressBar | None:
    """The bar a new context listens with, or None: ``spark.ui.showConsoleProgress``
    when set, else on exactly when stderr is a terminal.

    >>> console_progress_bar(False) is None, type(console_progress_bar(True)).__name__
    (True, 'ConsoleProgressBar')
    """
    if show is None:
        isatty = getattr(sys.stderr, "isatty", None)
        show = bool(isatty and isatty())
    return ConsoleProgressBar() if show else None
