"""The web UI's HTTP server: pages, ``/api/v1`` and static files, read-only.

The standard library's ``ThreadingHTTPServer`` is enough here: a handful of
GET routes, no sessions and no uploads, so a web framework would add a
dependency without removing any code. It binds loopback unless
``spark.driver.bindAddress`` says otherwise, answers GET (and HEAD) only,
refuses requests whose Host header is not this server (DNS rebinding), and
sends a Content-Security-Policy that forbids inline scripts, so even a
string that escaped escaping could not run.
"""
from __future__ import annotations

import errno
import json
import logging
import mimetypes
import os
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from minispark.ui import pages, rest
from minispark.ui.store import AppStatusStore

log = logging.getLogger("minispark.ui")
STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "[::1]", "::1"}


class SingleApp:
    """The live UI's one application."""

    live = True

    def __init__(self, store: AppStatusStore) -> None:
        self.store = store

    def apps(self) -> list[AppStatusStore]:
        return [self.store]

    def app(self, app_id: str) -> AppStatusStore | None:
        return self.store if app_id == self.store.app["id"] else None


class UIServer:
    """Serves ``source`` on ``host``, on ``port`` or the next free one (``max_retries`` tries)."""

    def __init__(self, source: Any, host: str, port: int, max_retries: int) -> None:
        self.source = source
        self._httpd = _bind(host, port, max_retries, source)
        self.host, self.port = host, self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="minispark-ui",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket; waits for the serving thread."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    source: Any = None


def _bind(host: str, port: int, max_retries: int, source: Any) -> _Server:
    """Spark's rule: the port asked for, else the next ones, ``spark.port.maxRetries`` times."""
    last: OSError | None = None
    for attempt in range(max_retries + 1):
        candidate = port + attempt if port else 0
        try:
            server = _Server((host, candidate), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            last = exc
            continue
        server.source = source
        if attempt:
            log.warning("Service 'SparkUI' could not bind on port %d. Attempting port %d.",
                        port, candidate)
        return server
    raise OSError(errno.EADDRINUSE,
                  f"Service 'SparkUI' failed after {max_retries} retries (starting from "
                  f"{port}) on {host}: {last}; set spark.ui.port or spark.port.maxRetries")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "minispark"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        log.debug("%s " + format, self.address_string(), *args)

    def do_HEAD(self) -> None:  # noqa: N802 - the stdlib's name
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if not self._host_allowed():
            self._send(HTTPStatus.FORBIDDEN, "text/plain", b"unexpected Host header\n")
            return
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        path = url.path
        try:
            if path.startswith("/api/v1/") or path == "/api/v1":
                parts = [p for p in path[len("/api/v1"):].split("/") if p]
                body = json.dumps(rest.answer(self.server.source, parts, query), indent=2)
                self._send(HTTPStatus.OK, "application/json", body.encode())
            elif path.startswith("/static/"):
                self._static(path[len("/static/"):])
            else:
                self._page(path, query)
        except (rest.NotFound, pages.PageNotFound) as exc:
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8",
                       f"404 Not Found: {exc}\n".encode())
        except Exception:  # noqa: BLE001 - a page bug must not leak a traceback to the browser
            log.exception("web UI request %s failed", self.path)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain", b"internal error\n")

    def _page(self, path: str, query: dict[str, str]) -> None:
        result = pages.render(self.server.source, path, query)
        if isinstance(result, pages.Redirect):
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", result.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(HTTPStatus.OK, "text/html; charset=utf-8", result.encode())

    def _static(self, name: str) -> None:
        if "/" in name or name.startswith(".") or not os.path.isfile(
                os.path.join(STATIC_DIR, name)):
            raise pages.PageNotFound(f"no static file {name!r}")
        with open(os.path.join(STATIC_DIR, name), "rb") as f:
            body = f.read()
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, kind, body)

    def _host_allowed(self) -> bool:
        host = self.headers.get("Host") or ""
        name = host[:host.find("]") + 1] if host.startswith("[") else host.split(":")[0]
        return name in _LOOPBACK_NAMES or name == self.server.server_address[0]

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in _SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
