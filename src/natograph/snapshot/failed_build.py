"""The record of a build that failed on its inputs, kept beside the snapshots until a build succeeds.

A server started while it exists serves the last good snapshot and says that it is stale, and why:
the first file and line at fault and the reason (on stderr, in `/health` and on the landing page).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import asdict, dataclass

from ..config import Config
from ..errors import InconsistencyError, InputFileError, NatographError

FAILED_BUILD_FILE = "failed-build.json"
_FILE_AND_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+)$")


@dataclass(frozen=True)
class FailedBuild:
    """Why the last build failed: the error's kind, a one-line reason, the first file (and line) at fault."""

    kind: str
    reason: str
    file: str | None
    line: int | None
    column: int | None
    failed_at: str

    @classmethod
    def from_error(cls, error: NatographError) -> "FailedBuild":
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        if isinstance(error, InputFileError):
            return cls(error.kind, error.reason, error.path, error.line, error.column, now)
        if isinstance(error, InconsistencyError) and error.clashes:
            first = error.clashes[0]
            file, line = _first_location(first.origins.values())
            count = len(error.clashes)
            reason = f"the reasoned graph is inconsistent ({count} clash{'es' if count > 1 else ''}); first: " \
                     f"[{first.rule}] {first.message}"
            return cls(error.kind, reason, file, line, None, now)
        return cls(error.kind, str(error).splitlines()[0], None, None, None, now)

    def where(self) -> str:
        """`file:line:column`, as far as known (empty if no file is known)."""
        if self.file is None:
            return ""
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column is not None else "")

    def describe(self) -> str:
        """One line: where, then why."""
        return f"{self.where()}: {self.reason}" if self.file else self.reason

    def to_dict(self) -> dict:
        return asdict(self)


def _first_location(origin_lists) -> tuple[str | None, int | None]:
    for origins in origin_lists:
        for origin in origins:
            if origin == "inferred":
                continue
            match = _FILE_AND_LINE.match(origin)
            return (match["file"], int(match["line"])) if match else (origin, None)
    return None, None


def record_failed_build(config: Config, error: NatographError) -> None:
    """Remember why a build failed (replacing any earlier record).

    Only where snapshots exist (a failed build in a directory that is no project creates nothing), and
    only if the directory can be written.
    """
    path = config.snapshots_path / FAILED_BUILD_FILE
    if not path.parent.is_dir():
        return
    try:
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(FailedBuild.from_error(error).to_dict(), indent=2), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass


def clear_failed_build(config: Config) -> None:
    """Forget the failed build: the inputs built (or matched a built snapshot) again."""
    try:
        (config.snapshots_path / FAILED_BUILD_FILE).unlink(missing_ok=True)
    except OSError:
        pass


def read_failed_build(config: Config) -> FailedBuild | None:
    """The recorded failed build, if the last build failed on its inputs."""
    try:
        data = json.loads((config.snapshots_path / FAILED_BUILD_FILE).read_text(encoding="utf-8"))
        return FailedBuild(**{name: data.get(name) for name in FailedBuild.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return None
