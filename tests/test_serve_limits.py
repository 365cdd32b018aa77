"""The per-client query budget: a token bucket refilled at queries_per_minute."""

import pytest

from natograph.errors import RateLimitError
from natograph.serve.limits import RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_budget_then_429_with_the_wait():
    clock = Clock()
    limiter = RateLimiter(6, clock=clock)
    for _ in range(6):
        limiter.charge("a")
    with pytest.raises(RateLimitError) as limited:
        limiter.charge("a")
    assert limited.value.http_status == 429
    assert limited.value.retry_after == 10  # 6 a minute: one every 10 s
    assert limited.value.to_dict()["retry_after"] == 10


def test_the_budget_refills_with_time():
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)
    for _ in range(60):
        limiter.charge("a")
    clock.now += 2.0
    limiter.charge("a")
    limiter.charge("a")
    with pytest.raises(RateLimitError):
        limiter.charge("a")


def test_clients_have_separate_budgets():
    limiter = RateLimiter(1, clock=Clock())
    limiter.charge("a")
    limiter.charge("b")
    with pytest.raises(RateLimitError):
        limiter.charge("a")


def test_zero_means_no_limit():
    limiter = RateLimiter(0, clock=Clock())
    for _ in range(1000):
        limiter.charge("a")
