"""One exception tree: each error knows its HTTP status and its CLI exit code."""

from __future__ import annotations


class NatographError(Exception):
    """Base of every error natograph reports to a user."""

    http_status = 500
    exit_code = 2
    kind = "error"

    def to_dict(self) -> dict:
        """The JSON shape of this error, shared by every HTTP response and `--format json`."""
        return {"error": self.kind, "message": str(self)}


class ConfigError(NatographError):
    """A setting has a value natograph cannot use."""

    kind = "config-error"


class InputFileError(NatographError):
    """An input file is missing or malformed; names the file, line and the parser's reason."""

    kind = "input-file-error"

    def __init__(self, path: str, reason: str, line: int | None = None, column: int | None = None):
        self.path, self.reason, self.line, self.column = path, reason, line, column
        where = path if line is None else f"{path}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {reason}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "file": self.path, "line": self.line, "column": self.column}


class InconsistencyError(NatographError):
    """The reasoned graph contains OWL-RL clashes."""

    kind = "inconsistent-graph"
    exit_code = 1

    def __init__(self, clashes: list, *, report=None):
        # The whole check report of the inputs (build.check.report.CheckReport), when the build made one.
        self.clashes, self.report = clashes, report
        lines = [f"the reasoned graph is inconsistent: {len(clashes)} clash(es)"]
        lines += [clash.describe() for clash in clashes]
        super().__init__("\n".join(lines))

    def to_dict(self) -> dict:
        return {**super().to_dict(), "clashes": [clash.to_dict() for clash in self.clashes]}


class SnapshotError(NatographError):
    """No usable snapshot, or a snapshot that cannot be opened."""

    kind = "snapshot-error"
    http_status = 503


class QuerySyntaxError(NatographError):
    """A SPARQL query that does not parse; names the position."""

    kind = "query-syntax-error"
    http_status = 400

    def __init__(self, reason: str, line: int | None = None, column: int | None = None):
        self.reason, self.line, self.column = reason, line, column
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"malformed query at {where}{reason}" if where else f"malformed query: {reason}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "line": self.line, "column": self.column}


class QueryEvaluationError(NatographError):
    """A query that parses but that the engine cannot evaluate (an unknown function, say); the engine's reason."""

    kind = "query-evaluation-error"
    http_status = 400

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"the query cannot be evaluated: {reason}")


class QueryRefusedError(NatographError):
    """A query natograph will not run (an update, a federated SERVICE call, free SPARQL turned off)."""

    kind = "query-refused"
    http_status = 403


class QueryTimeoutError(NatographError):
    """A query ran past the time limit and was stopped; `hints` name slow shapes it has, and their fast forms."""

    kind = "query-timeout"
    http_status = 503

    def __init__(self, limit_ms: int, hints: list | None = None):
        self.limit_ms = limit_ms
        self.hints = [{"shape": hint.shape, "suggestion": hint.suggestion} for hint in hints or ()]
        text = f"query stopped: it ran past the time limit of {limit_ms} ms"
        for hint in self.hints:
            text += f". It has a shape the engine evaluates slowly ({hint['shape']}): {hint['suggestion']}"
        super().__init__(text)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "limit_ms": self.limit_ms, **({"hints": self.hints} if self.hints else {})}


class ServerTimeoutError(QueryTimeoutError):
    """The remote store stopped a query at its own time limit (Virtuoso's MaxQueryExecutionTime), or cut its answer
    there: natograph's time-out, whose message names the server's reason (`limit_ms` is natograph's own limit)."""

    def __init__(self, limit_ms: int | None, message: str):
        self.limit_ms = limit_ms
        self.hints = []
        NatographError.__init__(self, message)


class ParameterError(NatographError):
    """A request or canned-query parameter that is missing or invalid; names the parameter."""

    kind = "invalid-parameter"
    http_status = 400

    def __init__(self, parameter: str, problem: str, *, accepts: str | None = None, candidates=None):
        self.parameter, self.problem, self.accepts, self.candidates = parameter, problem, accepts, candidates
        text = f"parameter '{parameter}': {problem}"
        if accepts:
            text += f" (accepts {accepts})"
        super().__init__(text)

    def to_dict(self) -> dict:
        data = {**super().to_dict(), "parameter": self.parameter}
        if self.accepts:
            data["accepts"] = self.accepts
        if self.candidates is not None:
            data["candidates"] = list(self.candidates)
        return data


class BadRequestError(NatographError):
    """A request natograph cannot read at all (its path, its body's coding), beyond any one parameter."""

    kind = "bad-request"
    http_status = 400


class NotFoundError(NatographError):
    """A resource, canned query or page that does not exist."""

    kind = "not-found"
    http_status = 404


class NotAcceptableError(NatographError):
    """No representation the client accepts; names the media types that are offered."""

    kind = "not-acceptable"
    http_status = 406

    def __init__(self, message: str, offered: list[str]):
        self.reason, self.offered = message, list(offered)
        super().__init__(f"{message}; offered: {', '.join(self.offered)}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "offered": self.offered}


class UnsupportedMediaTypeError(NatographError):
    """A request body of a media type natograph does not read; names the ones it does."""

    kind = "unsupported-media-type"
    http_status = 415

    def __init__(self, message: str, accepted: list[str]):
        self.accepted = list(accepted)
        super().__init__(f"{message}; accepted: {', '.join(self.accepted)}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "accepted": self.accepted}


class PayloadTooLargeError(NatographError):
    """A request body or query longer than the configured limit."""

    kind = "payload-too-large"
    http_status = 413

    def __init__(self, message: str, limit_bytes: int):
        self.limit_bytes = limit_bytes
        super().__init__(message)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "limit_bytes": self.limit_bytes}


class ServerBusyError(NatographError):
    """Every query worker is busy; the client should retry after `retry_after` seconds."""

    kind = "server-busy"
    http_status = 503

    def __init__(self, message: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__(message)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "retry_after": self.retry_after}


class RateLimitError(NatographError):
    """A client reached one of its limits; it may query again after `retry_after` seconds.

    `limit` names the setting reached: queries_per_minute, query_seconds_per_minute or
    concurrent_queries_per_client.
    """

    kind = "rate-limited"
    http_status = 429

    def __init__(self, message: str, retry_after: int, limit: str = "queries_per_minute"):
        self.retry_after, self.limit = retry_after, limit
        super().__init__(message)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "limit": self.limit, "retry_after": self.retry_after}


class QueryLimitError(NatographError):
    """A query stopped by a resource limit other than time (memory, answer size); names the setting.

    The worker that ran it is replaced, so whatever it held is given back.
    """

    kind = "query-limit"
    http_status = 503
    retire_worker = True

    def __init__(self, message: str, setting: str, limit: int):
        self.setting, self.limit = setting, limit
        super().__init__(message)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "setting": self.setting, "limit": self.limit}


class QueryFailedError(NatographError):
    """A query that parsed but could not be evaluated (the store failed, or its worker died)."""

    kind = "query-failed"
    http_status = 500


class StoreUnavailableError(QueryFailedError):
    """The remote store cannot be reached, or says it is unavailable: natograph answers 503, to be retried."""

    kind = "store-unavailable"
    http_status = 503
    retry_after = 5


class OutputFileError(NatographError):
    """A file natograph was asked to write cannot be written; names the file and the reason."""

    kind = "output-file-error"

    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: cannot write: {reason}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "file": self.path}
