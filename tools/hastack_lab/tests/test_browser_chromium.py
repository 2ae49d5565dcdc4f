"""A real headless Chromium, driven by hastack_lab.browser, against a web server on loopback.

The site experiment's browser check rests on three things shown here: a page's visible
text comes back, the cookies of one load go with the next (a session lives across
reloads), and a page that cannot load is an error, not an empty answer. Chromium comes
from Debian (hastack_lab.host installs it when this is root on Debian, as in CI).
"""

import http.server
import socket
import threading

import pytest

from hastack_lab import host as host_lib
from hastack_lab.browser import Browser, BrowserError


@pytest.fixture(scope="module")
def chromium():
    return host_lib.ensure_commands({"chromium": "chromium"}, "the browser tests", print)["chromium"]


class Counter(http.server.BaseHTTPRequestHandler):
    """Counts a visitor's requests in a cookie, as the demo page counts a session's."""

    def do_GET(self):
        if self.path != "/":  # the browser asks for /favicon.ico too: not a page, no count
            self.send_error(404)
            return
        cookie = self.headers.get("Cookie", "")
        count = int(cookie.split("=", 1)[1]) + 1 if cookie.startswith("visits=") else 1
        body = ("<!DOCTYPE html><html><body><h1>Served by loopback</h1>"
                "<p>Requests in this session %d</p></body></html>" % count).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Set-Cookie", "visits=%d; Path=/" % count)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_session_lives_across_loads_and_the_page_is_pictured(chromium, site):
    with Browser(chromium, timeout=60) as browser:
        texts = [browser.load(site) for attempt in range(3)]
        png = browser.screenshot()
    assert [t.splitlines()[0] for t in texts] == ["Served by loopback"] * 3
    assert [t.rsplit(" ", 1)[1] for t in texts] == ["1", "2", "3"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


def test_two_browsers_are_two_sessions(chromium, site):
    with Browser(chromium, timeout=60) as first:
        first.load(site)
    with Browser(chromium, timeout=60) as second:
        assert second.load(site).endswith("Requests in this session 1")


def test_a_page_that_cannot_load_is_an_error(chromium):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Browser(chromium, timeout=60) as browser, pytest.raises(BrowserError, match="ERR_CONNECTION_REFUSED"):
        browser.load("http://127.0.0.1:%d/" % port)
