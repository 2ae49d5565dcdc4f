import pytest

from ansible_collections.hastack.web.plugins.module_utils.secrets import secret_problems


@pytest.mark.parametrize("value, user, expected", [
    ("q8Zr2v5Lx0aT9wPd", None, None),
    (None, None, "haproxy_stats_password is not set"),
    ("", None, "haproxy_stats_password is not set"),
    ("admin", "admin", "well-known or guessable"),
    ("Admin", None, "well-known or guessable"),
    ("hastack-stats", "hastack-stats", "well-known or guessable"),
    ("short1", None, "is 6 characters long: use at least 12"),
])
def test_secret_problems(value, user, expected):
    problems = secret_problems("haproxy_stats_password", value, user)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and expected in problems[0]
