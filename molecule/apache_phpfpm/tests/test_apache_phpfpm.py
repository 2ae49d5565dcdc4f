"""What a user relies on from hastack.web.apache_phpfpm, on two web servers.

Requests come from the controller (not a trusted proxy) and from ap-lb1, which is in
the balancers group and so a trusted proxy, the way HAProxy sends them. Sessions are kept
in the database on ap-db1 (apache_phpfpm_session_store: database).
"""

import concurrent.futures
import http.client
import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "plugins" / "module_utils"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
import web  # noqa: E402  (the role's own sizing formula)
from testlib import docker_exec as dexec, wait_until  # noqa: E402

WEB = {"ap-web1": "172.22.85.16", "ap-web2": "172.22.85.17"}
LB = "172.22.85.14"
FPM = "php8.2-fpm"
DB = "ap-db1"


def get(address, path="/", headers=None):
    conn = http.client.HTTPConnection(address, 80, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
    finally:
        conn.close()


@pytest.fixture
def fpm_running():
    yield
    for node in WEB:
        dexec(node, "systemctl", "start", FPM)


@pytest.mark.parametrize("node", WEB)
def test_pages_are_served_through_php_fpm(node):
    status, headers, body = get(WEB[node], "/?format=json")
    assert status == 200, body
    assert json.loads(body)["server"] == node  # PHP ran, on this server
    assert "x-powered-by" not in headers          # expose_php = Off
    assert headers["server"] == "Apache"          # ServerTokens Prod: no version, no OS
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    # and it is PHP-FPM that runs it, not an Apache module
    assert dexec(node, "sh", "-c", "ls /etc/apache2/mods-enabled/").stdout.count("php") == 0
    assert "mpm_event.load" in dexec(node, "ls", "/etc/apache2/mods-enabled/").stdout


def test_the_demo_says_why_it_shows_no_database():
    node = "ap-web1"
    assert json.loads(get(WEB[node], "/?format=json")[2])["database"] == {"status": "not configured"}
    # what the proxysql role records when it could not install ProxySQL
    dexec(node, "sh", "-c", "mkdir -p /etc/hastack && printf '%s' '{\"installed\": false, \"reason\": "
          "\"no ProxySQL package was supplied\"}' > /etc/hastack/proxysql.json")
    try:
        body = json.loads(get(WEB[node], "/?format=json")[2])
        assert body["database"] == {"status": "ProxySQL not installed: no ProxySQL package was supplied"}
    finally:
        dexec(node, "rm", "-f", "/etc/hastack/proxysql.json")


def test_the_session_counter_grows_within_a_session():
    _, headers, body = get(WEB["ap-web1"], "/?format=json")
    cookie = headers["set-cookie"].split(";")[0]
    counts = [json.loads(get(WEB["ap-web1"], "/?format=json", {"Cookie": cookie})[2])["session_count"]
              for _ in range(3)]
    assert counts == [2, 3, 4]


def demo(node, cookie=None):
    """One demo request; returns (its JSON, the session cookie it set or was sent)."""
    _, headers, body = get(WEB[node], "/?format=json", {"Cookie": cookie} if cookie else {})
    sent = headers.get("set-cookie", "").split(";")[0]
    return json.loads(body), sent or cookie


def session_rows(session_id):
    return dexec(DB, "mariadb", "-N", "-e", "SELECT COUNT(*) FROM hastack.hastack_sessions WHERE id = '%s'"
                 % session_id).stdout.strip()


@pytest.fixture
def apache_running():
    yield
    for node in WEB:
        dexec(node, "systemctl", "start", "apache2")


def test_a_session_outlives_the_web_server_that_started_it(apache_running):
    first, cookie = demo("ap-web1")
    assert first["session_store"] == "database" and first["session_count"] == 1
    assert demo("ap-web1", cookie)[0]["session_count"] == 2
    assert session_rows(first["session"]) == "1"
    dexec("ap-web1", "systemctl", "stop", "apache2")   # the server dies; the user goes to the other one
    answer, _ = demo("ap-web2", cookie)
    assert (answer["server"], answer["session"], answer["session_count"]) == ("ap-web2", first["session"], 3)


def test_requests_of_one_session_on_both_servers_lose_no_update():
    # the row is locked from session_start to the write, as the files handler locks its file
    first, cookie = demo("ap-web1")
    nodes = ["ap-web1", "ap-web2"] * 10
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda node: demo(node, cookie), nodes))
    assert demo("ap-web2", cookie)[0]["session_count"] == first["session_count"] + len(nodes) + 1


@pytest.fixture
def session_database_running():
    yield
    dexec(DB, "systemctl", "start", "mariadb")


def test_the_demo_answers_503_while_its_session_store_is_down(session_database_running):
    # a 503 is what HAProxy retries on the other web server; a 200 saying "unavailable" is not
    dexec(DB, "systemctl", "stop", "mariadb")
    status, headers, body = get(WEB["ap-web1"], "/?format=json")
    assert (status, json.loads(body)["unavailable"], headers.get("retry-after")) == (503, "session store", "1"), body
    dexec(DB, "systemctl", "start", "mariadb")
    wait_until(lambda: get(WEB["ap-web1"], "/?format=json")[0] == 200, 30, "the demo answering 200 again")


def test_a_session_id_the_server_never_issued_is_not_adopted():
    forged = "PHPSESSID=abcdefghijklmnopqrstuvwxyz012345"
    answer, cookie = demo("ap-web1", forged)
    assert answer["session_count"] == 1
    assert answer["session"] != "abcdefghijklmnopqrstuvwxyz012345" and cookie != forged  # strict mode
    assert session_rows("abcdefghijklmnopqrstuvwxyz012345") == "0"


def test_an_expired_session_is_not_resumed():
    first, cookie = demo("ap-web2")
    dexec(DB, "mariadb", "-e", "UPDATE hastack.hastack_sessions SET expires = UNIX_TIMESTAMP() - 1 WHERE id = '%s'"
          % first["session"])
    answer, _ = demo("ap-web2", cookie)
    assert answer["session_count"] == 1 and answer["session"] != first["session"]


def test_the_health_endpoint_follows_php_fpm(fpm_running):
    address = WEB["ap-web2"]
    assert get(address, "/health")[0] == 200
    dexec("ap-web2", "systemctl", "stop", FPM)
    status, _, body = get(address, "/health")
    assert status == 503, body
    assert get(address, "/health", {"Host": "localhost"})[0] == 503  # as HAProxy's check asks
    dexec("ap-web2", "systemctl", "start", FPM)
    wait_until(lambda: get(address, "/health")[0] == 200, 10, "health 200 again")


def test_a_clean_stop_finishes_the_requests_apache_has_accepted(apache_running, fpm_running):
    # A shutdown stops both services in one transaction. Apache stops first (it is ordered
    # after PHP-FPM), so a request already in PHP-FPM is answered, not a 503.
    node, page = "ap-web1", "/var/www/hastack/slow-test.php"
    dexec(node, "sh", "-c", "printf '%%s' '<?php sleep(2); echo \"finished\";' > %s" % page)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            slow = pool.submit(get, WEB[node], "/slow-test.php")
            time.sleep(0.7)  # the request is in PHP-FPM now
            dexec(node, "systemctl", "stop", "apache2", FPM)
            status, _, body = slow.result(timeout=10)
        assert (status, body) == (200, "finished")
        assert FPM + ".service" in dexec(node, "systemctl", "show", "-p", "After", "apache2").stdout
    finally:
        dexec(node, "rm", "-f", page)


def test_the_client_address_comes_from_a_trusted_proxy_only():
    log = "/var/log/apache2/app-access.log"
    # through a balancer (trusted): PHP and the log see the client named in X-Forwarded-For
    script = ("import urllib.request,json;"
              "r=urllib.request.Request('http://172.22.85.16/?format=json',"
              "headers={'X-Forwarded-For':'203.0.113.7'});"
              "print(json.load(urllib.request.urlopen(r,timeout=5))['client'])")
    assert dexec("ap-lb1", "python3", "-c", script).stdout.strip() == "203.0.113.7"
    line = dexec("ap-web1", "tail", "-n", "1", log).stdout
    assert line.startswith("203.0.113.7 %s " % LB), line
    # straight from anyone else (the controller): the header is not believed
    _, _, body = get(WEB["ap-web1"], "/?format=json", {"X-Forwarded-For": "203.0.113.9"})
    client = json.loads(body)["client"]
    assert client != "203.0.113.9" and client.startswith("172.22.85."), client
    line = dexec("ap-web1", "tail", "-n", "1", log).stdout
    assert line.startswith("%s %s " % (client, client)), line


@pytest.mark.parametrize("node", WEB)
def test_status_pages_answer_on_loopback_only(node):
    assert dexec(node, "python3", "-c", "import urllib.request;print(urllib.request.urlopen("
                 "'http://127.0.0.1:8081/fpm-ping',timeout=5).read().decode())").stdout.strip() == "pong"
    status = dexec(node, "python3", "-c", "import urllib.request;print(urllib.request.urlopen("
                   "'http://127.0.0.1:8081/server-status?auto',timeout=5).read().decode())").stdout
    assert "BusyWorkers" in status
    with pytest.raises(OSError):
        http.client.HTTPConnection(WEB[node], 8081, timeout=3).connect()
    # on the served address: refused (mod_status's own "Require local") or not there
    assert get(WEB[node], "/server-status")[0] in (403, 404)
    assert get(WEB[node], "/fpm-status")[0] == 404


@pytest.mark.parametrize("node", WEB)
def test_php_fpm_and_apache_are_sized_by_the_documented_formula(node):
    memtotal_mb = int(dexec(node, "awk", "/MemTotal/ {print int($2/1024)}", "/proc/meminfo").stdout)
    vcpus = int(dexec(node, "nproc").stdout)
    pool = web.fpm_pool(memtotal_mb, vcpus)
    mpm = web.event_mpm(pool["max_children"])
    conf = dexec(node, "cat", "/etc/php/8.2/fpm/pool.d/www.conf").stdout
    assert "pm.max_children = %d\n" % pool["max_children"] in conf
    assert "pm.max_spare_servers = %d\n" % pool["max_spare_servers"] in conf
    mpm_conf = dexec(node, "cat", "/etc/apache2/mods-available/mpm_event.conf").stdout
    assert "MaxRequestWorkers       %d\n" % mpm["max_request_workers"] in mpm_conf
    # what runs: FPM's status page reports the pool's limit
    status = dexec(node, "python3", "-c", "import urllib.request;print(urllib.request.urlopen("
                   "'http://127.0.0.1:8081/fpm-status',timeout=5).read().decode())").stdout
    assert "pool:                 www" in status


def test_a_broken_apache_file_is_refused_and_nothing_live_changes():
    before = dexec("ap-web1", "cat", "/etc/apache2/ports.conf").stdout
    dexec("ap-web1", "sh", "-c", "echo 'Listen nonsense:port:here' > /root/bad-ports.conf")
    test = dexec("ap-web1", "/usr/local/libexec/hastack/apache-config-test", "/etc/apache2/ports.conf",
                 "/root/bad-ports.conf", check=False)
    assert test.returncode != 0
    assert dexec("ap-web1", "cat", "/etc/apache2/ports.conf").stdout == before
    good = dexec("ap-web1", "/usr/local/libexec/hastack/apache-config-test", "/etc/apache2/ports.conf",
                 "/etc/apache2/ports.conf", check=False)
    assert good.returncode == 0, good.stderr


def test_a_broken_fpm_pool_is_refused():
    dexec("ap-web1", "sh", "-c", "printf '[www]\\npm = sometimes\\n' > /root/bad-pool.conf")
    test = dexec("ap-web1", "/usr/local/libexec/hastack/fpm-pool-test", "/usr/sbin/php-fpm8.2",
                 "/root/bad-pool.conf", check=False)
    assert test.returncode != 0
    good = dexec("ap-web1", "/usr/local/libexec/hastack/fpm-pool-test", "/usr/sbin/php-fpm8.2",
                 "/etc/php/8.2/fpm/pool.d/www.conf", check=False)
    assert good.returncode == 0, good.stderr
