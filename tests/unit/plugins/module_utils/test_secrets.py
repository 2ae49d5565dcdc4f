import pytest

from ansible_collections.hastack.web.plugins.module_utils.secrets import secret_problems, user_credential_problems


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


@pytest.mark.parametrize("user, expected", [
    ({"name": "app", "password": "x"}, []),
    ({"name": "app", "password_hash": "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"}, []),
    ({"name": "app", "password_hash": "*2470c0c06dee42fd1618bb99005adca2ec9d1e19"}, []),
    ({"password": "x"}, ["users[0] has no name"]),
    ({"name": "app"}, ["users[0] needs exactly one of password or password_hash (from a vault)"]),
    ({"name": "app", "password": "x", "password_hash": "*" + "0" * 40}, ["users[0] needs exactly one"]),
    ({"name": "app", "password_hash": "2470C0C0"}, ["users[0]: password_hash must be a mysql_native_password hash"]),
])
def test_user_credential_problems(user, expected):
    problems = user_credential_problems(user, "users[0]")
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)
