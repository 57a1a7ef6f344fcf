"""`minispark dfs` and `minispark fsck`: Hadoop's commands, output and exit codes."""
from __future__ import annotations

import re


from minispark.hdfs.shell import dfs_main, fsck_main

from _hdfs_testutil import BLOCK, payload


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = dfs_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_put_ls_cat_get(cluster, conf_env, capsys, tmp_path):
    data = payload(2 * BLOCK + 3, 5)
    local = tmp_path / "in.bin"
    local.write_bytes(data)
    assert run(capsys, "-mkdir", "-p", "/sh/dir")[0] == 0
    assert run(capsys, "-put", str(local), "/sh/dir/f.bin")[0] == 0
    code, out, err = run(capsys, "-put", str(local), "/sh/dir/f.bin")
    assert code == 1 and err.strip() == "put: `/sh/dir/f.bin': File exists"
    assert run(capsys, "-put", "-f", str(local), "/sh/dir/f.bin")[0] == 0
    code, out, _ = run(capsys, "-ls", "/sh/dir")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "Found 1 items"
    assert re.fullmatch(r"-rw-r--r--   3 \S+ supergroup +%d \d{4}-\d\d-\d\d \d\d:\d\d /sh/dir/f.bin" % len(data),
                        lines[1]), lines[1]
    code, out, _ = run(capsys, "-ls", "/sh")
    assert re.fullmatch(r"drwxr-xr-x   - \S+ supergroup +0 \S+ \S+ /sh/dir", out.splitlines()[1])
    text = ("line %d\n" * 3000 % tuple(range(3000))).encode()
    (tmp_path / "t.txt").write_bytes(text)
    assert run(capsys, "-put", str(tmp_path / "t.txt"), "/sh/dir/t.txt")[0] == 0
    code, out, _ = run(capsys, "-cat", "/sh/dir/t.txt")
    assert code == 0 and out.encode() == text
    out_path = tmp_path / "out.bin"
    assert run(capsys, "-get", "/sh/dir/f.bin", str(out_path))[0] == 0
    assert out_path.read_bytes() == data


def test_errors_are_one_line_with_exit_1(cluster, conf_env, capsys):
    for argv, message in [
        (["-ls", "/nope"], "ls: `/nope': No such file or directory"),
        (["-cat", "/nope"], "cat: `/nope': No such file or directory"),
        (["-rm", "/nope"], "rm: `/nope': No such file or directory"),
        (["-mkdir", "/x/y/z"], "mkdir: `/x/y/z': No such file or directory"),
        (["-bogus"], "-bogus: Unknown command"),
    ]:
        code, out, err = run(capsys, *argv)
        assert code == 1 and err.strip() == message, (argv, err)
        assert len(err.strip().splitlines()) == 1


def test_rm_mv_du_stat_setrep(cluster, conf_env, capsys):
    with cluster.client() as c:
        c.write_bytes("/sh2/a/one", b"x" * 100)
        c.write_bytes("/sh2/a/two", b"y" * 50)
    code, out, _ = run(capsys, "-du", "/sh2/a")
    assert code == 0 and out.splitlines() == ["100  300  /sh2/a/one", "50   150  /sh2/a/two"]
    code, out, _ = run(capsys, "-du", "-s", "/sh2")
    assert out.split() == ["150", "450", "/sh2"]
    code, out, _ = run(capsys, "-stat", "%b %F %r %o %n", "/sh2/a/one")
    assert out.strip() == f"100 regular file 3 {BLOCK} one"
    code, out, _ = run(capsys, "-setrep", "-w", "2", "/sh2/a/one")
    assert code == 0 and "Replication 2 set: /sh2/a/one" in out and "done" in out
    assert run(capsys, "-mv", "/sh2/a/one", "/sh2/b")[0] == 0
    code, _, err = run(capsys, "-rm", "/sh2/a")
    assert code == 1 and err.strip() == "rm: `/sh2/a': Is a directory"
    code, out, _ = run(capsys, "-rm", "-r", "/sh2/a")
    assert code == 0 and out.strip() == "Deleted /sh2/a"
    assert run(capsys, "-test", "-e", "/sh2/b")[0] == 0
    assert run(capsys, "-test", "-e", "/sh2/a")[0] == 1


def test_fs_generic_option_and_fsck(cluster, conf_env, capsys, monkeypatch):
    monkeypatch.setenv("MINISPARK_HDFS_CONF", conf_env)
    code, out, _ = run(capsys, "-fs", cluster.uri, "-ls", "/")
    assert code == 0 and out.startswith("Found")
    code = fsck_main(["/", "-files", "-blocks"])
    out = capsys.readouterr().out
    assert code == 0 and "Status: HEALTHY" in out and out.rstrip().endswith("is HEALTHY")
