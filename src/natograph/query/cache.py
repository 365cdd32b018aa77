"""A result cache: a repeated query job is answered from memory while the snapshot is the same.

The key is the job's exact text, never a normalisation of it: two texts are one entry only if they are the
same string, so no reading of the text can disagree with the engine's and share an answer between them.
An own cache rather than Flask-Caching: the key is the query job, the budget is in bytes, errors are never
kept, and answers live in the one process that serves them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from .executor import QueryAnswer, QueryExecutor, QueryJob

# An answer larger than this share of the cache is not kept: one result must not evict all others.
LARGEST_SHARE = 4


def is_repeatable(job: QueryJob) -> bool:
    """Whether evaluating the job again gives the same answer: its text cannot call NOW, RAND, (STR)UUID or BNODE
    (`QueryText.repeatable`, read by letters: a word that merely contains one, "KNOWN", costs a cache entry only)."""
    return job.query.repeatable


def job_key(job: QueryJob) -> tuple:
    """What decides a job's answer, given one snapshot: text, formats, bindings, dataset, limits and base IRI."""
    bindings = tuple(sorted((name, str(term)) for name, term in job.bindings.items())) if job.bindings else ()
    return job.query.text, job.fmt, bindings, job.dataset, job.limits, job.base_iri


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
        if not is_repeatable(job):
            return self.executor.run(job)
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
