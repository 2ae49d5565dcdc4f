"""A headless Chromium driven over the DevTools protocol, as a user's browser would load a page.

Chromium is started with --remote-debugging-pipe: it reads commands on fd 3 and writes
answers and events on fd 4, each a JSON object ended by a NUL byte. No port is opened and
nothing beyond the standard library is needed. One Browser is one profile: cookies set by
one page load are sent with the next, so a session lives across reloads as it does for a
person clicking reload.

    with Browser(chromium, ignore_certificate_errors=True) as browser:
        text = browser.load("https://192.0.2.10/")
        png = browser.screenshot()
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


# argv: the fd Chromium reads from, the fd it writes to, then Chromium's command line. Both
# are first moved above 9, so neither is overwritten when the other is put in place.
_ON_FDS_3_AND_4 = """
import fcntl, os, sys
read, write = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])
os.dup2(read, 3)
os.dup2(write, 4)
os.closerange(5, 1024)
os.execvp(sys.argv[3], sys.argv[3:])
"""


class BrowserError(RuntimeError):
    """Chromium did not do what it was asked, in time."""


def frames(buffer: bytes) -> tuple[list[dict], bytes]:
    """The complete NUL-ended JSON messages at the start of buffer, and the rest."""
    *complete, rest = buffer.split(b"\0")
    return [json.loads(part) for part in complete if part], rest


class Browser:
    def __init__(self, chromium: str, *, ignore_certificate_errors: bool = False, width: int = 1000,
                 height: int = 700, timeout: float = 30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="hastack-chromium-")
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
                "--window-size=%d,%d" % (width, height)]
        if ignore_certificate_errors:
            args.append("--ignore-certificate-errors")
        self._log = tempfile.TemporaryFile()  # Chromium's chatter, for the error message
        to_chromium, self._write = os.pipe()
        self._read, from_chromium = os.pipe()
        # a small Python puts the two pipe ends where Chromium looks for them, then becomes Chromium
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _ON_FDS_3_AND_4, str(to_chromium), str(from_chromium), *args],
            pass_fds=(to_chromium, from_chromium), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self._log)
        os.close(to_chromium)
        os.close(from_chromium)
        self._buffer = b""
        self._pending: list[dict] = []
        self._events: list[dict] = []
        self._next_id = 0
        self.session = None
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self.call("Page.enable")
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _receive(self, deadline: float) -> dict:
        while True:
            if self._pending:
                return self._pending.pop(0)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise BrowserError("Chromium did not answer within %.0f s" % self.timeout)
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium exited: %s" % self._stderr())
            messages, self._buffer = frames(self._buffer + chunk)
            self._pending.extend(messages)

    def call(self, method: str, **params) -> dict:
        """Send one command (to the page's session once there is one); its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError("%s: %s" % (method, answer["error"].get("message", answer["error"])))
                return answer.get("result", {})
            if "method" in answer:
                self._events.append(answer)

    def wait_event(self, method: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for i, event in enumerate(self._events):
                if event["method"] == method:
                    return self._events.pop(i)
            self._events.append(self._receive(deadline))

    def load(self, url: str) -> str:
        """Navigate to url, wait until the page has loaded, and return its visible text."""
        self._events.clear()
        result = self.call("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError("loading %s: %s" % (url, result["errorText"]))
        self.wait_event("Page.loadEventFired")
        return self.evaluate("document.body ? document.body.innerText : ''")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError("%s: %s" % (expression, result["exceptionDetails"].get("text")))
        return result["result"].get("value")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def _stderr(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace").strip()[-800:]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.write(self._write, json.dumps({"id": 0, "method": "Browser.close", "params": {}}).encode() + b"\0")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)
        for fd in (self._write, self._read):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
