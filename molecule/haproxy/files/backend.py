"""Test backend for the haproxy scenario: says who it is and what it was sent.

GET /health -> 200, or 503 while /run/backend-sick exists.
GET /slow -> the same as any other path, 2 s later (a request in flight across a reload).
Any other request while /run/backend-503 exists -> 503 (an application whose PHP-FPM is gone).
Anything else -> 200 with JSON: the server's host name, the method, the request headers.
"""

import json
import os
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = socket.gethostname()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path == "/health":
            sick = os.path.exists("/run/backend-sick")
            self._answer(503 if sick else 200, json.dumps({"server": NAME, "healthy": not sick}))
            return
        if os.path.exists("/run/backend-503"):
            self._answer(503, json.dumps({"server": NAME, "method": self.command}))
            return
        if self.path == "/slow":
            time.sleep(2)
        self._answer(200, json.dumps({"server": NAME, "method": self.command,
                                      "headers": dict(self.headers.items())}))

    do_HEAD = do_GET

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.do_GET()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 80), Handler).serve_forever()
