"""The settings behind the rate limits and the login lockout, read from the environment,
and the one rule for a client's address."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured

from common.client_ip import client_ip
from config.settings.base import cache_from_url, lockout_parameters, throttle_rate


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.7", None, "203.0.113.7"),
        # No trusted proxy: the header is the client's own words.
        (0, "203.0.113.7", "192.0.2.1", "203.0.113.7"),
        (1, "10.0.0.2", "203.0.113.7", "203.0.113.7"),
        # The proxy appends what it saw; the client's entries stand to its left.
        (1, "10.0.0.2", "192.0.2.1, 203.0.113.7", "203.0.113.7"),
        (2, "10.0.0.3", "192.0.2.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
        # Fewer entries than proxies, an entry that is no address, no header at all.
        (2, "10.0.0.2", "203.0.113.7", "10.0.0.2"),
        (1, "10.0.0.2", "unknown", "10.0.0.2"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.NUM_PROXIES = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(SimpleNamespace(META=meta)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120/minute", "120/minute"),
        ("10/h", "10/h"),
        (" 30 / Hour ", "30/hour"),
        ("1/second", "1/second"),
        ("5/day", "5/day"),
        ("off", None),
        ("OFF", None),
        ("none", None),
    ],
)
def test_throttle_rates_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("FORESEER_THROTTLE_TEST", value)
    assert throttle_rate("FORESEER_THROTTLE_TEST", "1/minute") == expected


def test_a_throttle_rate_defaults_when_unset(monkeypatch):
    monkeypatch.delenv("FORESEER_THROTTLE_TEST", raising=False)
    assert throttle_rate("FORESEER_THROTTLE_TEST", "20/minute") == "20/minute"


@pytest.mark.parametrize("value", ["ten/hour", "10/week", "10", "10/", "/hour", "-1/hour", ""])
def test_a_bad_throttle_rate_stops_the_settings(monkeypatch, value):
    monkeypatch.setenv("FORESEER_THROTTLE_TEST", value)
    with pytest.raises(ImproperlyConfigured, match="FORESEER_THROTTLE_TEST must be COUNT/PERIOD"):
        throttle_rate("FORESEER_THROTTLE_TEST", "1/minute")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("username+ip_address", [["username", "ip_address"]]),
        ("ip_address", ["ip_address"]),
        ("username+ip_address, ip_address", [["username", "ip_address"], "ip_address"]),
        ("username+ip_address+user_agent", [["username", "ip_address", "user_agent"]]),
    ],
)
def test_lockout_parameters(value, expected):
    assert lockout_parameters(value) == expected


@pytest.mark.parametrize("value", ["", "email", "username+", "username,,ip_address"])
def test_bad_lockout_parameters_stop_the_settings(value):
    with pytest.raises(ImproperlyConfigured, match="FORESEER_LOGIN_LOCKOUT_PARAMETERS"):
        lockout_parameters(value)


def test_the_default_cache_is_each_processs_memory():
    assert cache_from_url("locmemcache://")["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )


def test_a_redis_cache_url_is_djangos_redis_backend_with_short_timeouts(settings):
    config = cache_from_url("redis://redis:6379/1")
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == "redis://redis:6379/1"
    assert config["OPTIONS"] == {"socket_connect_timeout": 0.3, "socket_timeout": 0.5}
