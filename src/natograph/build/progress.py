"""Timing and progress for build steps: a step that runs past a second shows it is still working."""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, TextIO

SHOW_AFTER_SECONDS = 1.0


class StepTimer:
    """Times named steps; on a terminal, shows a live elapsed-time line for steps longer than a second."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.timings: dict[str, float] = {}
        self.detail = ""

    @contextmanager
    def step(self, name: str):
        """Time the block; it receives a function that sets the detail shown after the elapsed time."""
        started = time.perf_counter()
        done = threading.Event()
        self.detail = ""
        ticker = threading.Thread(target=self._tick, args=(name, started, done), daemon=True)
        if not self.quiet:
            ticker.start()
        try:
            yield self._set_detail
        finally:
            done.set()
            if ticker.is_alive():
                ticker.join()
            self.timings[name] = time.perf_counter() - started

    def _tick(self, name: str, started: float, done: threading.Event) -> None:
        if done.wait(SHOW_AFTER_SECONDS):
            return
        live = self.stream.isatty()
        if not live:
            self._write(f"  {name}: still running after {SHOW_AFTER_SECONDS:.0f} s …\n")
        while not done.wait(0.2 if live else 10):
            elapsed = time.perf_counter() - started
            detail = f" · {self.detail}" if self.detail else ""
            self._write(f"\r\033[K  {name}: {_spinner(elapsed)} {elapsed:5.1f} s{detail}" if live
                        else f"  {name}: {elapsed:.0f} s …{detail}\n")
        if live:
            self._write("\r\033[K")

    def _set_detail(self, detail: str) -> None:
        self.detail = detail

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def _spinner(elapsed: float) -> str:
    return "|/-\\"[int(elapsed * 5) % 4]


Reporter = Callable[[str], None]
