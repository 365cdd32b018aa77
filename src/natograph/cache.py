"""A result cache: a repeated query job is answered from memory while the snapshot is the same."""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache

from .executor import QueryAnswer, QueryExecutor, QueryJob
from .sparqltext import tokenize

# An answer larger than this share of the cache is not kept: one result must not evict all others.
LARGEST_SHARE = 4
# Query texts whose normalised form is remembered, so that a repeated query is not tokenized again.
REMEMBERED_TEXTS = 256


@lru_cache(maxsize=REMEMBERED_TEXTS)
def normalised_text(sparql: str) -> str:
    """The query's tokens joined by single spaces: the same query written differently gets one key."""
    return " ".join(token.text for token in tokenize(sparql))


def job_key(job: QueryJob) -> tuple:
    """What decides a job's answer, given one snapshot: text, format, bindings, dataset and limits."""
    bindings = tuple(sorted((name, str(term)) for name, term in job.bindings.items())) if job.bindings else ()
    return normalised_text(job.sparql), job.fmt, bindings, job.dataset, job.limits


class CachingExecutor:
    """Wraps an executor; answers are kept least-recently-used within `max_bytes`. Errors are never kept."""

    def __init__(self, executor: QueryExecutor, *, max_bytes: int):
        self.executor = executor
        self.max_bytes = max_bytes
        self._answers: OrderedDict[tuple, QueryAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def run(self, job: QueryJob) -> QueryAnswer:
        key = job_key(job)
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None:
                self._answers.move_to_end(key)
                self.hits += 1
                return cached
            self.misses += 1
        answer = self.executor.run(job)
        self._keep(key, answer)
        return answer

    def _keep(self, key: tuple, answer: QueryAnswer) -> None:
        size = len(answer.body)
        if size * LARGEST_SHARE > self.max_bytes:
            return
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._answers.popitem(last=False)
                self._bytes -= len(evicted.body)

    def status(self) -> dict:
        with self._lock:
            cache = {"entries": len(self._answers), "bytes": self._bytes, "max_bytes": self.max_bytes,
                     "hits": self.hits, "misses": self.misses}
        return {**self.executor.status(), "result_cache": cache}

    def close(self) -> None:
        self.executor.close()
