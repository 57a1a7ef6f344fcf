"""WebHDFS REST API: raw HTTP, and two existing clients (fsspec, the `hdfs` package)."""
from __future__ import annotations

import pytest
import requests

from _hdfs_testutil import BLOCK, payload

SIZES = [0, 1, BLOCK - 1, BLOCK + 1, 3 * BLOCK + 5]


def _url(cluster, path: str) -> str:
    return f"{cluster.webhdfs_url}/webhdfs/v1{path}"


def _put_file(cluster, path: str, data: bytes, user: str = "alice", **params) -> requests.Response:
    params = {"op": "CREATE", "user.name": user, **params}
    r = requests.put(_url(cluster, path), params=params, allow_redirects=False, timeout=10)
    assert r.status_code == 307, r.text
    location = r.headers["Location"]
    assert "delegation=" in location and "user.name" not in location
    return requests.put(location, data=data, timeout=30)


@pytest.fixture(scope="module")
def alice_home(cluster):
    with cluster.client() as c:
        c.mkdirs("/user/alice")
        c.set_owner("/user/alice", owner="alice")
        c.mkdirs("/tmp")
        c.set_permission("/tmp", 0o1777)
    return "/user/alice"


@pytest.mark.parametrize("size", SIZES)
def test_raw_create_open_roundtrip(cluster, alice_home, size):
    data = payload(size, size + 1)
    r = _put_file(cluster, f"{alice_home}/raw_{size}", data)
    assert r.status_code == 201 and r.headers["Location"].startswith("hdfs://")
    r = requests.get(_url(cluster, f"{alice_home}/raw_{size}"), params={"op": "OPEN", "user.name": "alice"},
                     timeout=30)
    assert r.status_code == 200 and r.content == data
    if size > 10:
        r = requests.get(_url(cluster, f"{alice_home}/raw_{size}"),
                         params={"op": "OPEN", "user.name": "alice", "offset": 3, "length": 7}, timeout=10)
        assert r.content == data[3:10]


def test_raw_metadata_operations(cluster, alice_home):
    base = f"{alice_home}/meta"
    q = {"user.name": "alice"}
    r = requests.put(_url(cluster, base + "/d1"), params={**q, "op": "MKDIRS"}, timeout=10)
    assert r.json() == {"boolean": True}
    _put_file(cluster, base + "/d1/f", b"hello")
    st = requests.get(_url(cluster, base + "/d1/f"), params={**q, "op": "GETFILESTATUS"}, timeout=10).json()
    fs = st["FileStatus"]
    assert (fs["type"], fs["length"], fs["owner"], fs["permission"], fs["pathSuffix"]) == ("FILE", 5, "alice", "644", "")
    listing = requests.get(_url(cluster, base + "/d1"), params={**q, "op": "LISTSTATUS"}, timeout=10).json()
    assert [s["pathSuffix"] for s in listing["FileStatuses"]["FileStatus"]] == ["f"]
    cs = requests.get(_url(cluster, base), params={**q, "op": "GETCONTENTSUMMARY"}, timeout=10).json()
    assert cs["ContentSummary"]["length"] == 5 and cs["ContentSummary"]["fileCount"] == 1
    r = requests.put(_url(cluster, base + "/d1/f"), params={**q, "op": "RENAME", "destination": base + "/g"}, timeout=10)
    assert r.json() == {"boolean": True}
    r = requests.post(_url(cluster, base + "/g"), params={**q, "op": "APPEND"}, allow_redirects=False, timeout=10)
    assert r.status_code == 307
    assert requests.post(r.headers["Location"], data=b" world", timeout=10).status_code == 200
    r = requests.get(_url(cluster, base + "/g"), params={**q, "op": "OPEN"}, timeout=10)
    assert r.content == b"hello world"
    r = requests.delete(_url(cluster, base), params={**q, "op": "DELETE", "recursive": "true"}, timeout=10)
    assert r.json() == {"boolean": True}


def test_errors_are_remote_exceptions(cluster, alice_home):
    r = requests.get(_url(cluster, "/no/such"), params={"op": "GETFILESTATUS", "user.name": "alice"}, timeout=10)
    assert r.status_code == 404
    assert r.json()["RemoteException"]["exception"] == "FileNotFoundException"
    r = requests.put(_url(cluster, "/forbidden"), params={"op": "MKDIRS", "user.name": "alice"}, timeout=10)
    assert r.status_code == 403
    assert r.json()["RemoteException"]["exception"] == "AccessControlException"
    r = requests.get(_url(cluster, "/"), params={"op": "NOSUCHOP", "user.name": "alice"}, timeout=10)
    assert r.status_code == 400
    assert r.json()["RemoteException"]["exception"] == "IllegalArgumentException"
    _put_file(cluster, f"{alice_home}/exists", b"x")
    r = requests.put(_url(cluster, f"{alice_home}/exists"), params={"op": "CREATE", "user.name": "alice"},
                     allow_redirects=False, timeout=10)
    assert r.status_code == 403
    assert r.json()["RemoteException"]["exception"] == "FileAlreadyExistsException"


def test_delegation_tokens(cluster, alice_home):
    r = requests.get(_url(cluster, "/"), params={"op": "GETDELEGATIONTOKEN", "user.name": "alice"}, timeout=10)
    token = r.json()["Token"]["urlString"]
    r = requests.get(_url(cluster, alice_home), params={"op": "LISTSTATUS", "delegation": token}, timeout=10)
    assert r.status_code == 200
    bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    r = requests.get(_url(cluster, alice_home), params={"op": "LISTSTATUS", "delegation": bad}, timeout=10)
    assert r.status_code == 401
    requests.put(_url(cluster, "/"), params={"op": "CANCELDELEGATIONTOKEN", "token": token, "user.name": "alice"},
                 timeout=10)
    r = requests.get(_url(cluster, alice_home), params={"op": "LISTSTATUS", "delegation": token}, timeout=10)
    assert r.status_code == 401


def test_datanode_endpoint_requires_namenode_token(cluster, alice_home):
    r = requests.put(_url(cluster, f"{alice_home}/tok"), params={"op": "CREATE", "user.name": "alice"},
                     allow_redirects=False, timeout=10)
    location = r.headers["Location"]
    forged = location.split("?")[0] + "?op=CREATE&user.name=hdfs"
    r = requests.put(forged, data=b"x", timeout=10)
    assert r.status_code == 401


def test_fsspec_webhdfs_lists_writes_reads(cluster, alice_home):
    WebHDFS = pytest.importorskip("fsspec.implementations.webhdfs").WebHDFS

    fs = WebHDFS(host="127.0.0.1", port=cluster.http_port, user="alice")
    data = payload(2 * BLOCK + 99, 21)
    with fs.open(f"{alice_home}/fsspec/file.bin", "wb") as f:
        f.write(data)
    fs.mkdir(f"{alice_home}/fsspec/sub")
    assert sorted(fs.ls(f"{alice_home}/fsspec", detail=False)) == [f"{alice_home}/fsspec/file.bin",
                                                                  f"{alice_home}/fsspec/sub"]
    assert fs.cat(f"{alice_home}/fsspec/file.bin") == data
    with fs.open(f"{alice_home}/fsspec/file.bin", "rb") as f:
        f.seek(BLOCK - 3)
        assert f.read(10) == data[BLOCK - 3:BLOCK + 7]
    assert fs.info(f"{alice_home}/fsspec/file.bin")["size"] == len(data)
    fs.rm(f"{alice_home}/fsspec", recursive=True)
    assert not fs.exists(f"{alice_home}/fsspec")
    with cluster.client() as c:
        assert not c.exists(f"{alice_home}/fsspec")


def test_hdfs_package_client_lists_writes_reads(cluster, alice_home):
    InsecureClient = pytest.importorskip("hdfs").InsecureClient

    client = InsecureClient(cluster.webhdfs_url, user="alice")
    data = payload(BLOCK + 7, 22)
    client.write(f"{alice_home}/hdfscli/a.bin", data=data)
    client.makedirs(f"{alice_home}/hdfscli/sub")
    assert client.list(f"{alice_home}/hdfscli") == ["a.bin", "sub"]
    with client.read(f"{alice_home}/hdfscli/a.bin") as reader:
        assert reader.read() == data
    assert client.status(f"{alice_home}/hdfscli/a.bin")["length"] == len(data)
    assert client.content(f"{alice_home}/hdfscli")["length"] == len(data)
    client.rename(f"{alice_home}/hdfscli/a.bin", f"{alice_home}/hdfscli/b.bin")
    with cluster.client() as c:
        assert c.read_bytes(f"{alice_home}/hdfscli/b.bin") == data
    assert client.delete(f"{alice_home}/hdfscli", recursive=True)
