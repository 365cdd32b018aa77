"""The per-client query budget: a token bucket refilled at queries_per_minute."""

import pytest

from natograph.errors import RateLimitError
from natograph.serve.limits import FairShare, RateLimiter, client_key

from ..serving import built_mini_project
from .test_serve_sparql import client_for, get


@pytest.fixture(scope="module")
def mini_config(tmp_path_factory):
    return built_mini_project(tmp_path_factory.mktemp("limits"))


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


def test_an_ipv6_client_is_its_64_network_and_an_ipv4_one_its_address():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("192.0.2.7") == "192.0.2.7" != client_key("192.0.2.8")
    assert client_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_key(None) == "unknown"


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(mini_config):
    proxied = client_for(mini_config, queries_per_minute=1, proxy_hops=1)
    first = {"X-Forwarded-For": "198.51.100.1"}
    second = {"X-Forwarded-For": "198.51.100.2"}
    assert get(proxied, "ASK {}", headers=first).status_code == 200
    assert get(proxied, "ASK {}", headers=second).status_code == 200
    assert get(proxied, "ASK {}", headers=first).status_code == 429
    # Only the hop the proxy added counts: a client cannot pick its budget by sending the header itself.
    spoofed = {"X-Forwarded-For": "203.0.113.9, 198.51.100.1"}
    assert get(proxied, "ASK {}", headers=spoofed).status_code == 429


def test_without_trusted_proxies_forwarded_headers_are_ignored(mini_config):
    direct = client_for(mini_config, queries_per_minute=1)
    assert get(direct, "ASK {}", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert get(direct, "ASK {}", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 429


def test_behind_a_trusted_proxy_the_service_description_names_the_public_address(mini_config):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.org", "Accept": "text/turtle"}
    proxied = client_for(mini_config, proxy_hops=1).get("/sparql", headers=forwarded)
    assert b"sd:endpoint <https://data.example.org/sparql>" in proxied.data
    direct = client_for(mini_config).get("/sparql", headers=forwarded)
    assert b"data.example.org" not in direct.data


def test_fair_share_admits_a_client_up_to_its_concurrency_then_429_naming_the_limit():
    share = FairShare(2, 0, clock=Clock())
    with share.admit("a"), share.admit("a"):
        with pytest.raises(RateLimitError) as refused:
            with share.admit("a"):
                pass
        assert refused.value.limit == "concurrent_queries_per_client" and refused.value.retry_after == 1
        with share.admit("b"):
            assert share.running("b") == 1
    assert share.running("a") == 0
    with share.admit("a"):
        pass


def test_fair_share_charges_the_time_a_query_took():
    clock = Clock()
    share = FairShare(0, 6, clock=clock)  # 6 s a minute, refilled at 0.1 s a second
    with share.admit("a"):
        clock.now += 4.0  # 2 s left (the budget was full: nothing refills past it)
    with share.admit("a"):
        clock.now += 3.0  # 2 s + 0.3 s refilled - 3 s: 0.7 s of debt
    with pytest.raises(RateLimitError) as refused:
        with share.admit("a"):
            pass
    assert refused.value.limit == "query_seconds_per_minute"
    assert refused.value.retry_after == 7  # the debt repaid at 0.1 s a second
    with share.admit("b"):
        pass
    clock.now += 7.0
    with share.admit("a"):
        pass


def test_fair_share_charges_a_query_that_failed():
    clock = Clock()
    share = FairShare(0, 1, clock=clock)
    with pytest.raises(ZeroDivisionError):
        with share.admit("a"):
            clock.now += 2.0
            1 / 0
    assert share.running("a") == 0
    with pytest.raises(RateLimitError):
        with share.admit("a"):
            pass


def test_fair_share_zero_means_no_limit():
    clock = Clock()
    share = FairShare(0, 0, clock=clock)
    with share.admit("a"), share.admit("a"), share.admit("a"):
        clock.now += 1000
    with share.admit("a"):
        pass
