"""The console progress bar: Spark's format, timing and erasing, from synthetic events."""
from __future__ import annotations

import io
import re
import sys
import threading
import time

import pytest

from minispark.scheduler.events import (
    JobEnd, StageCompleted, StageInfo, StageSubmitted, TaskEnd, TaskStart,
)
from minispark.scheduler.task import TaskMetrics
from minispark.ui.progress import ConsoleProgressBar, console_progress_bar


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def expected_stage(stage_id: int, done: int, running: int, total: int, width: int) -> str:
    """Spark's rendering, written out independently: '=' per finished share, then '>'."""
    head, tail = f"[Stage {stage_id}:", f"({done} + {running}) / {total}]"
    room = width - len(head) - len(tail)
    cells = ["=" if i < room * done // total else ">" if i == room * done // total else " "
             for i in range(room)]
    return head + "".join(cells) + tail


def submit(bar, stage_id, tasks, job_id=0, attempt=0):
    bar.on_event(StageSubmitted(job_id, StageInfo(stage_id, attempt, f"s{stage_id}", tasks,
                                                  0, [], False)))


def start(bar, stage_id, task_id, attempt=0):
    bar.on_event(TaskStart(stage_id, attempt, task_id, task_id, 0, "0"))


def end(bar, stage_id, task_id, ok=True, attempt=0):
    bar.on_event(TaskEnd(stage_id, attempt, task_id, task_id, 0, "0", ok,
                         None if ok else "boom", TaskMetrics()))


def complete(bar, stage_id, attempt=0, job_id=0):
    bar.on_event(StageCompleted(job_id, StageInfo(stage_id, attempt, "", 0, 0, [], False)))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def out():
    return io.StringIO()


def make_bar(out, clock, width=80):
    return ConsoleProgressBar(out, clock=clock, width=width, ticking=False)


def drawn(out: io.StringIO) -> list[str]:
    """The lines written, in order (each draw is '\\r' + line + '\\r')."""
    return [part for part in out.getvalue().split("\r") if part]


def test_a_stage_shows_only_after_500_ms_in_sparks_format(out, clock):
    bar = make_bar(out, clock)
    submit(bar, 3, 40)
    for t in range(14):
        start(bar, 3, t)
    for t in range(12):
        end(bar, 3, t)
    clock.now += 0.5
    bar.refresh()
    assert out.getvalue() == ""
    clock.now += 0.01
    bar.refresh()
    line = expected_stage(3, 12, 2, 40, 80)
    assert out.getvalue() == "\r" + line + "\r" and len(line) == 80
    assert re.fullmatch(r"\[Stage 3:=+>\s+\(12 \+ 2\) / 40\]", line)


def test_progress_updates_counts_and_a_failed_task_is_not_complete(out, clock):
    bar = make_bar(out, clock, width=60)
    submit(bar, 0, 4)
    clock.now += 1
    for t in range(3):
        start(bar, 0, t)
    end(bar, 0, 0)
    end(bar, 0, 1, ok=False)
    bar.refresh()
    start(bar, 0, 3)
    end(bar, 0, 2)
    bar.refresh()
    assert drawn(out) == [expected_stage(0, 1, 1, 4, 60), expected_stage(0, 2, 1, 4, 60)]


def test_an_unchanged_line_is_not_rewritten_until_a_minute_passed(out, clock):
    bar = make_bar(out, clock)
    submit(bar, 1, 2)
    start(bar, 1, 0)
    clock.now += 1
    for _ in range(5):
        bar.refresh()
        clock.now += 0.2
    assert len(drawn(out)) == 1
    clock.now += 61
    bar.refresh()
    assert len(drawn(out)) == 2


def test_concurrent_stages_share_one_line_at_most_three_lowest_ids(out, clock):
    bar = make_bar(out, clock, width=100)
    for stage_id in (7, 5, 6, 4):
        submit(bar, stage_id, 10)
    start(bar, 5, 0)
    end(bar, 5, 0)
    clock.now += 1
    bar.refresh()
    share = 100 // 3
    assert drawn(out) == ["".join(expected_stage(s, int(s == 5), 0, 10, share)
                                  for s in (4, 5, 6))]


def test_a_stage_submitted_later_waits_its_own_500_ms(out, clock):
    bar = make_bar(out, clock, width=90)
    submit(bar, 0, 3)
    clock.now += 1
    submit(bar, 1, 3)
    bar.refresh()
    clock.now += 0.6
    bar.refresh()
    assert drawn(out) == [expected_stage(0, 0, 0, 3, 90),
                          expected_stage(0, 0, 0, 3, 45) + expected_stage(1, 0, 0, 3, 45)]


def test_a_finished_stage_is_erased_with_a_blank_line(out, clock):
    bar = make_bar(out, clock, width=50)
    submit(bar, 2, 1)
    clock.now += 1
    bar.refresh()
    start(bar, 2, 0)
    end(bar, 2, 0)
    complete(bar, 2)
    bar.refresh()
    text = out.getvalue()
    assert text == "\r" + expected_stage(2, 0, 0, 1, 50) + "\r" + "\r" + " " * 50 + "\r"
    bar.refresh()
    assert out.getvalue() == text  # erased once, not again


def test_job_end_erases_at_once_and_nothing_shows_for_500_ms_after(out, clock):
    bar = make_bar(out, clock, width=40)
    submit(bar, 0, 2, job_id=0)
    clock.now += 1
    bar.refresh()
    bar.on_event(JobEnd(0, False, "KeyboardInterrupt"))
    assert out.getvalue().endswith("\r" + " " * 40 + "\r")
    submit(bar, 1, 2, job_id=1)
    clock.now += 0.3
    bar.on_event(JobEnd(1, True))  # a short job
    submit(bar, 2, 2, job_id=2)
    clock.now += 0.45  # stage 2 has run 0.45 s; the last job ended 0.45 s ago
    bar.refresh()
    clock.now += 0.1
    bar.refresh()
    assert drawn(out)[-1] == expected_stage(2, 0, 0, 2, 40)
    assert len([d for d in drawn(out) if d.startswith("[")]) == 2


def test_only_the_current_attempt_counts(out, clock):
    bar = make_bar(out, clock)
    submit(bar, 4, 10, attempt=0)
    start(bar, 4, 0)
    complete(bar, 4, attempt=0)  # failed attempt (lost shuffle output) ...
    submit(bar, 4, 3, attempt=1)  # ... resubmitted for the missing partitions
    end(bar, 4, 0, attempt=0)  # a late report from the old attempt
    start(bar, 4, 1, attempt=1)
    complete(bar, 4, attempt=0)
    clock.now += 1
    bar.refresh()
    assert drawn(out) == [expected_stage(4, 0, 1, 3, 80)]


def test_width_comes_from_columns(out, clock, monkeypatch):
    monkeypatch.setenv("COLUMNS", "64")
    bar = ConsoleProgressBar(out, clock=clock, ticking=False)
    submit(bar, 0, 8)
    clock.now += 1
    bar.refresh()
    assert drawn(out) == [expected_stage(0, 0, 0, 8, 64)]


class TimedStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def write(self, text: str) -> int:
        self.times.append(time.monotonic())
        return super().write(text)


def test_the_ticker_redraws_at_most_five_times_a_second_and_then_ends():
    stream = TimedStream()
    bar = ConsoleProgressBar(stream, width=70)
    submit(bar, 0, 1000)
    began = time.monotonic()
    task = 0
    while time.monotonic() - began < 2.0:  # the line changes every few ms
        start(bar, 0, task)
        end(bar, 0, task)
        task += 1
        time.sleep(0.005)
    complete(bar, 0)
    deadline = time.monotonic() + 5
    while any(t.name == "console-progress-bar" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the ticker thread did not end"
        time.sleep(0.05)
    draws = [t for t, text in zip(stream.times, drawn(stream)) if text.startswith("[")]
    assert 3 <= len(draws) <= 8  # 1.5 s of display at five a second
    assert all(b - a >= 0.15 for a, b in zip(draws, draws[1:]))
    assert stream.getvalue().endswith("\r" + " " * 70 + "\r")


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("setting, tty, shown", [
    (None, True, True), (None, False, False), (True, False, True), (False, True, False)])
def test_shown_on_a_terminal_unless_the_setting_says_otherwise(monkeypatch, setting, tty, shown):
    monkeypatch.setattr(sys, "stderr", Terminal(tty))
    assert (console_progress_bar(setting) is not None) is shown


@pytest.mark.parametrize("setting, shown", [("true", True), ("false", False), (None, False)])
def test_a_context_draws_the_bar_on_stderr(make_context, capsys, monkeypatch, setting, shown):
    monkeypatch.setenv("COLUMNS", "72")
    settings = {} if setting is None else {"spark.ui.showConsoleProgress": setting}
    ctx = make_context("local[2]", **settings)
    result = ctx.parallelize(range(4), 4).map(lambda x: time.sleep(0.6) or x * 10).collect()
    assert result == [0, 10, 20, 30]
    err = capsys.readouterr().err
    lines = [part for part in err.split("\r") if part.strip()]
    if not shown:  # pytest's captured stderr is no terminal
        assert "[Stage" not in err
        return
    width = 72
    assert lines and all(re.fullmatch(r"\[Stage \d+:[=> ]*\((\d) \+ (\d)\) / 4\]", line)
                         and len(line) == width for line in lines), lines
    assert err.endswith("\r" + " " * width + "\r")
