"""WebHDFS REST API: ``/webhdfs/v1/<path>?op=...`` on the NameNode's HTTP port.

Metadata operations are answered by the NameNode; ``CREATE``, ``APPEND`` and
``OPEN`` answer ``307 Temporary Redirect`` to a DataNode's HTTP port, which
streams the data through a :class:`~minispark.hdfs.client.DFSClient` acting as
the caller.  Errors are ``{"RemoteException": {...}}`` with Hadoop's status codes.

Authentication: ``delegation=<token>`` (issued by ``GETDELEGATIONTOKEN``,
HMAC-signed with the cluster secret) or, when ``webhdfs_simple_auth`` is on,
Hadoop's "simple" ``user.name=<user>`` (no parameter: the static user
``dr.who``).  Redirects always carry a fresh delegation token, and DataNodes
accept nothing else.  Every operation is permission-checked as that user.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .errors import (EXCEPTIONS, AccessControlException, AuthenticationException,
                     FileAlreadyExistsException, FileNotFoundException, HdfsIOException,
                     IllegalArgumentException, exception_name)

log = logging.getLogger("minispark.hdfs.webhdfs")
PREFIX = "/webhdfs/v1"


# ---------------------------------------------------------------- tokens
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(secret: bytes, user: str, lifetime: float, renewer: str | None = None,
               max_lifetime: float | None = None) -> str:
    """A delegation token for ``user``: base64 JSON + "." + HMAC-SHA256 signature."""
    now = int(time.time() * 1000)
    payload = {"u": user, "r": renewer or user, "i": now, "x": now + int(lifetime * 1000),
               "m": now + int((max_lifetime or lifetime) * 1000), "n": random.getrandbits(48)}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    sig = _b64(hmac.new(secret, b"webhdfs-token:" + body.encode(), hashlib.sha256).digest())
    return f"{body}.{sig}"


def verify_token(secret: bytes, token: str) -> dict[str, Any]:
    """The token's payload if its signature is valid (expiry is checked by the caller)."""
    body, _, sig = token.partition(".")
    expected = _b64(hmac.new(secret, b"webhdfs-token:" + body.encode(), hashlib.sha256).digest())
    if not sig or not hmac.compare_digest(sig, expected):
        raise AuthenticationException("invalid delegation token (bad signature)")
    try:
        payload = json.loads(_unb64(body))
    except ValueError as exc:
        raise AuthenticationException("malformed delegation token") from exc
    return payload


# ---------------------------------------------------------------- JSON helpers
def status_json(d: dict[str, Any], suffix: str | None = None) -> dict[str, Any]:
    """NameNode file status dict -> WebHDFS ``FileStatus`` object."""
    return {"accessTime": d["atime"], "blockSize": d["block_size"], "childrenNum": d["children_num"],
            "fileId": d["file_id"], "group": d["group"], "length": d["length"],
            "modificationTime": d["mtime"], "owner": d["owner"],
            "pathSuffix": d["name"] if suffix is None else suffix,
            "permission": format(d["permission"] & 0o1777, "o"), "replication": d["replication"],
            "storagePolicy": 0, "type": d["type"]}


def remote_exception(exc: BaseException) -> tuple[int, dict[str, Any]]:
    """HTTP status and ``RemoteException`` body for an error."""
    name = exception_name(exc)
    cls = EXCEPTIONS.get(name, HdfsIOException)
    return cls.http_status, {"RemoteException": {
        "exception": name if name != "HdfsIOException" else "IOException",
        "javaClassName": cls.java_class, "message": str(exc)}}


def _bool(value: str | None, default: bool = False) -> bool:
    return default if value is None else value.strip().lower() == "true"


def _int(params: dict[str, str], name: str, default: int | None = None) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise IllegalArgumentException(f"Invalid value for webhdfs parameter \"{name}\": {value}") from None


class _Handler(BaseHTTPRequestHandler):
    """Shared request plumbing: parsing, auth hooks, JSON and error replies."""

    protocol_version = "HTTP/1.1"
    server_version = "minispark-webhdfs"
    timeout = 60.0

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug("%s " + fmt, self.client_address[0], *args)

    def _parse(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        if not parts.path.startswith(PREFIX):
            raise FileNotFoundException(f"no such resource {parts.path}")
        path = unquote(parts.path[len(PREFIX):]) or "/"
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return path, params

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              content_type: str = "application/json") -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body or status != 307:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _json(self, obj: Any, status: int = 200) -> None:
        self._send(status, json.dumps(obj).encode())

    def _error(self, exc: BaseException) -> None:
        status, body = remote_exception(exc)
        self.close_connection = True  # the request body may be unread
        self._send(status, json.dumps(body).encode(), {"Connection": "close"})

    def _discard_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    def _body_chunks(self) -> Any:
        """The request body as a stream of chunks (Content-Length or chunked encoding)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return
                yield self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            chunk = self.rfile.read(min(length, 4 << 20))
            if not chunk:
                raise HdfsIOException("request body ended early")
            length -= len(chunk)
            yield chunk

    def _handle(self, method: str) -> None:
        try:
            path, params = self._parse()
            op = params.get("op", "").upper()
            self.route(method, op, path, params)
        except HdfsIOException as exc:
            self._error(exc)
        except (ValueError, KeyError) as exc:
            self._error(IllegalArgumentException(str(exc)))
        except Exception as exc:  # bug: report, keep serving
            log.exception("WebHDFS %s failed", self.path)
            self._error(HdfsIOException(f"{type(exc).__name__}: {exc}"))

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def route(self, method: str, op: str, path: str, params: dict[str, str]) -> None:
        raise NotImplementedError


# ---------------------------------------------------------------- NameNode side
class NameNodeWebHdfs:
    """State of the NameNode's WebHDFS endpoint: token bookkeeping."""

    def __init__(self, nn: Any) -> None:
        self.nn = nn
        self.cfg = nn.config
        self.renewed: dict[int, int] = {}
        self.cancelled: set[int] = set()
        self.lock = threading.Lock()

    def authenticate(self, params: dict[str, str]) -> str:
        """The effective user of a request."""
        token = params.get("delegation")
        if token:
            payload = verify_token(self.nn.secret, token)
            with self.lock:
                expiry = self.renewed.get(payload["n"], payload["x"])
                if payload["n"] in self.cancelled:
                    raise AuthenticationException("delegation token was cancelled")
            if time.time() * 1000 > expiry:
                raise AuthenticationException("delegation token expired")
            return str(payload["u"])
        if not self.cfg.webhdfs_simple_auth:
            raise AuthenticationException("Authentication required: pass delegation=<token>")
        user = params.get("user.name")
        return user if user else self.cfg.webhdfs_anonymous_user

    def token(self, user: str, renewer: str | None = None, lifetime: float | None = None) -> str:
        """Issue a delegation token."""
        return make_token(self.nn.secret, user, lifetime or self.cfg.delegation_token_renew_interval,
                          renewer, self.cfg.delegation_token_lifetime)

    def renew(self, user: str, token: str) -> int:
        """Extend a token by one renew interval (bounded by its max lifetime)."""
        payload = verify_token(self.nn.secret, token)
        if user != payload["r"]:
            raise AccessControlException(f"{user} tries to renew a token with renewer {payload['r']}")
        expiry = min(payload["m"], int(time.time() * 1000 + self.cfg.delegation_token_renew_interval * 1000))
        with self.lock:
            self.renewed[payload["n"]] = expiry
        return expiry

    def cancel(self, user: str, token: str) -> None:
        """Revoke a token."""
        payload = verify_token(self.nn.secret, token)
        if user not in (payload["u"], payload["r"]):
            raise AccessControlException(f"{user} is not allowed to cancel the token")
        with self.lock:
            self.cancelled.add(payload["n"])


class NameNodeHandler(_Handler):
    """WebHDFS on the NameNode."""

    state: NameNodeWebHdfs

    def _call(self, user: str, method: str, **args: Any) -> Any:
        reply = self.state.nn.dispatch({"m": method, "a": args, "u": user}, self.client_address[0])
        if not reply["ok"]:
            raise EXCEPTIONS.get(reply["exc"], HdfsIOException)(reply["msg"])
        return reply["r"]

    def route(self, method: str, op: str, path: str, params: dict[str, str]) -> None:
        self._discard_body()
        user = self.state.authenticate(params)
        table: dict[tuple[str, str], Callable[[str, str, dict[str, str]], None]] = {
            ("GET", "GETFILESTATUS"): self.op_getfilestatus,
            ("GET", "LISTSTATUS"): self.op_liststatus,
            ("GET", "GETCONTENTSUMMARY"): self.op_getcontentsummary,
            ("GET", "GETHOMEDIRECTORY"): lambda u, p, q: self._json({"Path": f"/user/{u}"}),
            ("GET", "GETDELEGATIONTOKEN"): self.op_getdelegationtoken,
            ("GET", "OPEN"): self.op_open,
            ("PUT", "MKDIRS"): self.op_mkdirs,
            ("PUT", "RENAME"): self.op_rename,
            ("PUT", "SETREPLICATION"): self.op_setreplication,
            ("PUT", "SETPERMISSION"): self.op_setpermission,
            ("PUT", "SETOWNER"): self.op_setowner,
            ("PUT", "SETTIMES"): self.op_settimes,
            ("PUT", "CREATE"): self.op_create,
            ("PUT", "RENEWDELEGATIONTOKEN"): self.op_renew,
            ("PUT", "CANCELDELEGATIONTOKEN"): self.op_cancel,
            ("POST", "APPEND"): self.op_append,
            ("DELETE", "DELETE"): self.op_delete,
        }
        handler = table.get((method, op))
        if handler is None:
            raise IllegalArgumentException(f"Invalid value for webhdfs parameter \"op\": "
                                           f"{op or '(missing)'} is not a valid {method} operation")
        handler(user, path, params)

    # -- metadata
    def op_getfilestatus(self, user: str, path: str, params: dict[str, str]) -> None:
        d = self._call(user, "get_file_info", path=path)
        if d is None:
            raise FileNotFoundException(f"File does not exist: {path}")
        self._json({"FileStatus": status_json(d, "")})

    def op_liststatus(self, user: str, path: str, params: dict[str, str]) -> None:
        items = self._call(user, "get_listing", path=path)
        self._json({"FileStatuses": {"FileStatus": [status_json(d) for d in items]}})

    def op_getcontentsummary(self, user: str, path: str, params: dict[str, str]) -> None:
        s = self._call(user, "get_content_summary", path=path)
        self._json({"ContentSummary": {
            "directoryCount": s["directory_count"], "fileCount": s["file_count"], "length": s["length"],
            "quota": s["quota"], "spaceConsumed": s["space_consumed"], "spaceQuota": s["space_quota"]}})

    def op_mkdirs(self, user: str, path: str, params: dict[str, str]) -> None:
        perm = params.get("permission")
        self._json({"boolean": self._call(user, "mkdirs", path=path,
                                          permission=int(perm, 8) if perm else None)})

    def op_rename(self, user: str, path: str, params: dict[str, str]) -> None:
        dst = params.get("destination")
        if not dst:
            raise IllegalArgumentException("RENAME needs a destination parameter")
        self._json({"boolean": self._call(user, "rename", src=path, dst=dst)})

    def op_delete(self, user: str, path: str, params: dict[str, str]) -> None:
        self._json({"boolean": self._call(user, "delete", path=path,
                                          recursive=_bool(params.get("recursive")))})

    def op_setreplication(self, user: str, path: str, params: dict[str, str]) -> None:
        repl = _int(params, "replication", self.state.cfg.replication)
        self._json({"boolean": self._call(user, "set_replication", path=path, replication=repl)})

    def op_setpermission(self, user: str, path: str, params: dict[str, str]) -> None:
        self._call(user, "set_permission", path=path, permission=int(params.get("permission") or "755", 8))
        self._send(200)

    def op_setowner(self, user: str, path: str, params: dict[str, str]) -> None:
        self._call(user, "set_owner", path=path, owner=params.get("owner") or None,
                   group=params.get("group") or None)
        self._send(200)

    def op_settimes(self, user: str, path: str, params: dict[str, str]) -> None:
        self._call(user, "set_times", path=path, mtime=_int(params, "modificationtime", -1),
                   atime=_int(params, "accesstime", -1))
        self._send(200)

    # -- tokens
    def op_getdelegationtoken(self, user: str, path: str, params: dict[str, str]) -> None:
        self._json({"Token": {"urlString": self.state.token(user, params.get("renewer") or None)}})

    def op_renew(self, user: str, path: str, params: dict[str, str]) -> None:
        self._json({"long": self.state.renew(user, params.get("token", ""))})

    def op_cancel(self, user: str, path: str, params: dict[str, str]) -> None:
        self.state.cancel(user, params.get("token", ""))
        self._send(200)

    # -- data: redirect to a DataNode
    def _redirect(self, dn: dict[str, Any], user: str, path: str, params: dict[str, str]) -> None:
        keep = {k: v for k, v in params.items() if k not in ("user.name", "delegation", "doas")}
        keep["delegation"] = self.state.token(user)
        keep["namenoderpcaddress"] = f"{self.state.cfg.namenode_host}:{self.state.nn.rpc_port}"
        query = "&".join(f"{quote(k)}={quote(str(v), safe='')}" for k, v in keep.items())
        url = f"http://{dn['host']}:{dn['http_port']}{PREFIX}{quote(path)}?{query}"
        if _bool(params.get("noredirect")):
            self._json({"Location": url})
        else:
            self._send(307, headers={"Location": url})

    def _any_datanode(self) -> dict[str, Any]:
        nodes = [d for d in self._call("dr.who", "datanode_report") if d["alive"]]
        if not nodes:
            raise HdfsIOException("Failed to find datanode, suggest to check cluster health.")
        return random.choice(nodes)

    def op_create(self, user: str, path: str, params: dict[str, str]) -> None:
        existing = self._call(user, "get_file_info", path=path)
        if existing is not None:
            if existing["type"] == "DIRECTORY":
                raise FileAlreadyExistsException(f"{path} already exists as a directory")
            if not _bool(params.get("overwrite")):
                raise FileAlreadyExistsException(f"{path} for client {self.client_address[0]} already exists")
        self._redirect(self._any_datanode(), user, path, params)

    def op_append(self, user: str, path: str, params: dict[str, str]) -> None:
        info = self._call(user, "get_block_locations", path=path)
        dn = info["blocks"][-1]["locs"][0] if info["blocks"] and info["blocks"][-1]["locs"] else self._any_datanode()
        self._redirect(dn, user, path, params)

    def op_open(self, user: str, path: str, params: dict[str, str]) -> None:
        offset = _int(params, "offset", 0) or 0
        info = self._call(user, "get_block_locations", path=path, offset=offset, length=1)
        blocks = [b for b in info["blocks"] if b["locs"]]
        self._redirect(blocks[0]["locs"][0] if blocks else self._any_datanode(), user, path, params)


# ---------------------------------------------------------------- DataNode side
class DataNodeHandler(_Handler):
    """The DataNode end of WebHDFS redirects: streams data through a DFSClient."""

    dn: Any

    def route(self, method: str, op: str, path: str, params: dict[str, str]) -> None:
        user = self._authenticate(params)
        if (method, op) == ("PUT", "CREATE"):
            self.op_create(user, path, params)
        elif (method, op) == ("POST", "APPEND"):
            self.op_append(user, path, params)
        elif (method, op) == ("GET", "OPEN"):
            self.op_open(user, path, params)
        else:
            raise IllegalArgumentException(f"Invalid value for webhdfs parameter \"op\": {op} on a DataNode")

    def _authenticate(self, params: dict[str, str]) -> str:
        token = params.get("delegation")
        if not token:
            raise AuthenticationException("DataNode requests need the delegation token from the NameNode redirect")
        payload = verify_token(self.dn.secret, token)
        if time.time() * 1000 > payload["x"]:
            raise AuthenticationException("delegation token expired")
        return str(payload["u"])

    def _client(self, user: str) -> Any:
        from .client import DFSClient

        cfg = self.dn.config
        return DFSClient(cfg.namenode_host, cfg.namenode_port, config=cfg, user=user)

    def op_create(self, user: str, path: str, params: dict[str, str]) -> None:
        perm = params.get("permission")
        with self._client(user) as client:
            out = client.create(path, overwrite=_bool(params.get("overwrite")),
                                replication=_int(params, "replication"),
                                block_size=_int(params, "blocksize"),
                                permission=int(perm, 8) if perm else None)
            self._stream_into(out)
        host = self.dn.config.namenode_host
        self._send(201, headers={"Location": f"hdfs://{host}:{self.dn.config.namenode_port}{quote(path)}"})

    def op_append(self, user: str, path: str, params: dict[str, str]) -> None:
        with self._client(user) as client:
            self._stream_into(client.append(path))
        self._send(200)

    def _stream_into(self, out: Any) -> None:
        try:
            for chunk in self._body_chunks():
                out.write(chunk)
        except BaseException:
            out.__exit__(RuntimeError, None, None)
            raise
        out.close()

    def op_open(self, user: str, path: str, params: dict[str, str]) -> None:
        offset = _int(params, "offset", 0) or 0
        with self._client(user) as client, client.open(path) as f:
            if offset > f.length or offset < 0:
                raise HdfsIOException(f"Offset={offset} out of the range [0, {f.length}); OPEN, path={path}")
            length = _int(params, "length")
            count = f.length - offset if length is None else max(0, min(length, f.length - offset))
            f.seek(offset)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(count))
            self.end_headers()
            while count > 0:
                data = f.read(min(count, 1 << 20))
                if not data:
                    break
                self.wfile.write(data)
                count -= len(data)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(handler: type[_Handler], host: str, port: int, name: str, timeout: float) -> tuple[Any, int]:
    handler.timeout = timeout
    server = _HttpServer((host, port), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name=name,
                     daemon=True).start()
    return server, server.server_address[1]


def start_namenode_http(nn: Any, host: str, port: int) -> tuple[Any, int]:
    """Serve WebHDFS for ``nn``; returns (server, bound port)."""
    handler = type("BoundNameNodeHandler", (NameNodeHandler,), {"state": NameNodeWebHdfs(nn)})
    return _serve(handler, host, port, "nn-http", max(nn.config.socket_timeout, 60.0))


def start_datanode_http(dn: Any, host: str, port: int) -> tuple[Any, int]:
    """Serve the DataNode end of WebHDFS for ``dn``; returns (server, bound port)."""
    handler = type("BoundDataNodeHandler", (DataNodeHandler,), {"dn": dn})
    return _serve(handler, host, port, "dn-http", max(dn.config.socket_timeout, 60.0))
