"""Build progress: a step that runs past the threshold shows its elapsed time and the detail it reports."""

import io
import time

from natograph.build import progress
from natograph.build.progress import StepTimer


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_long_step_shows_the_detail_it_reports(monkeypatch):
    monkeypatch.setattr(progress, "SHOW_AFTER_SECONDS", 0.01)
    screen = Terminal()
    timer = StepTimer(screen)
    with timer.step("reason") as report:
        report("round 1: 100,000 facts processed")
        time.sleep(0.5)
    assert "reason:" in screen.getvalue()
    assert "round 1: 100,000 facts processed" in screen.getvalue()
    assert timer.timings["reason"] >= 0.5


def test_quiet_timer_only_times():
    screen = Terminal()
    timer = StepTimer(screen, quiet=True)
    with timer.step("load") as report:
        report("ignored")
    assert screen.getvalue() == ""
    assert "load" in timer.timings
