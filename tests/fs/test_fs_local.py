"""LocalFileSystem, Hadoop-style globbing and the scheme registry (minispark.fs)."""
from __future__ import annotations

import fnmatch
import gc
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minispark.fs import (
    FileSystem,
    LocalFileSystem,
    get_filesystem,
    register_filesystem,
    unregister_filesystem,
    uri_scheme,
)
from minispark.fs.base import parent_path
from minispark.fs.globbing import escape, expand_braces, has_magic

fs = LocalFileSystem()


def touch(path: Path, data: bytes = b"") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- paths and status ------------------------------------------------------------


def test_path_forms_resolve_to_the_same_file(tmp_path, monkeypatch):
    target = touch(tmp_path / "a" / "f", b"123")
    monkeypatch.chdir(tmp_path)
    forms = [str(target), "a/f", "./a/../a/f", f"file:{target}", f"file://{target}", f"file://localhost{target}"]
    for form in forms:
        status = fs.status(form)
        assert (status.path, status.length, status.is_dir) == (str(target), 3, False), form
    assert fs.qualify("a/f") == f"file:{target}"


def test_foreign_or_empty_paths_are_rejected():
    with pytest.raises(ValueError, match="Wrong FS: hdfs://nn/x"):
        fs.status("hdfs://nn/x")
    with pytest.raises(ValueError, match="Wrong FS"):
        fs.status("file://otherhost/x")
    with pytest.raises(ValueError, match="empty string"):
        fs.exists("")


def test_status_list_status_and_missing_paths(tmp_path):
    for name in ["b", "a", "c"]:
        touch(tmp_path / "d" / name, name.encode() * 2)
    (tmp_path / "d" / "sub").mkdir()
    os.symlink(tmp_path / "nowhere", tmp_path / "d" / "dangling")
    listing = fs.list_status(str(tmp_path / "d"))
    assert [(Path(s.path).name, s.length, s.is_dir) for s in listing] == [
        ("a", 2, False), ("b", 2, False), ("c", 2, False), ("sub", 0, True)]
    assert fs.list_status(str(tmp_path / "d" / "a")) == [fs.status(str(tmp_path / "d" / "a"))]
    assert fs.status(str(tmp_path)).modification_time == pytest.approx(os.stat(tmp_path).st_mtime)
    with pytest.raises(FileNotFoundError, match=f"File file:{tmp_path}/nope does not exist"):
        fs.list_status(str(tmp_path / "nope"))


def test_block_locations_one_per_chunk():
    small = LocalFileSystem(block_size=10)
    with tempfile.TemporaryDirectory() as d:
        path = str(touch(Path(d) / "f", b"x" * 25))
        blocks = small.block_locations(path, 0, 25)
        assert [(b.offset, b.length, b.hosts) for b in blocks] == [
            (0, 10, ("localhost",)), (10, 10, ("localhost",)), (20, 5, ("localhost",))]
        assert [b.offset for b in small.block_locations(path, 12, 3)] == [10]
        assert [b.offset for b in small.block_locations(path, 9, 2)] == [0, 10]
        assert small.block_locations(path, 25, 10) == []
    assert LocalFileSystem().default_block_size() == 32 * 1024 * 1024
    with pytest.raises(ValueError):
        LocalFileSystem(block_size=0)


# -- writing -----------------------------------------------------------------------


def test_create_is_atomic_and_makes_parents(tmp_path):
    path = tmp_path / "x" / "y" / "f"
    with fs.create(str(path)) as f:
        f.write(b"data")
        assert not path.exists()  # invisible until closed
    assert path.read_bytes() == b"data"
    assert sorted(os.listdir(path.parent)) == ["f"]


def test_create_discards_on_error_or_abandonment(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with fs.create(str(tmp_path / "err")) as f:
            f.write(b"half")
            1 / 0
    abandoned = fs.create(str(tmp_path / "dropped"))
    abandoned.write(b"half")
    del abandoned
    gc.collect()
    explicit = fs.create(str(tmp_path / "discarded"))
    explicit.write(b"half")
    explicit.discard()
    assert os.listdir(tmp_path) == []


def test_create_overwrite_rules(tmp_path):
    path = str(touch(tmp_path / "f", b"old"))
    with pytest.raises(FileExistsError, match=f"File already exists: file:{path}"):
        fs.create(path)
    with fs.create(path, overwrite=True) as f:
        f.write(b"new")
    assert Path(path).read_bytes() == b"new"
    with pytest.raises(IsADirectoryError):
        fs.create(str(tmp_path), overwrite=True)
    # Two writers racing for one new name: the second to close loses, the first is kept.
    first, second = fs.create(str(tmp_path / "g")), fs.create(str(tmp_path / "g"))
    first.write(b"first")
    second.write(b"second")
    first.close()
    with pytest.raises(FileExistsError):
        second.close()
    assert (tmp_path / "g").read_bytes() == b"first"
    assert sorted(os.listdir(tmp_path)) == ["f", "g"]


def test_rename_never_replaces(tmp_path):
    a, b = str(touch(tmp_path / "a", b"a")), str(touch(tmp_path / "b", b"b"))
    with pytest.raises(FileExistsError, match="destination already exists"):
        fs.rename(a, b)
    touch(tmp_path / "d1" / "x")
    (tmp_path / "d2").mkdir()
    with pytest.raises(FileExistsError):
        fs.rename(str(tmp_path / "d1"), str(tmp_path / "d2"))  # no "move into"
    fs.rename(str(tmp_path / "d1"), str(tmp_path / "d3"))
    fs.rename(a, str(tmp_path / "d3" / "a"))
    assert sorted(os.listdir(tmp_path)) == ["b", "d2", "d3"]
    assert sorted(os.listdir(tmp_path / "d3")) == ["a", "x"]
    with pytest.raises(FileNotFoundError, match="source does not exist"):
        fs.rename(str(tmp_path / "gone"), str(tmp_path / "z"))


def test_mkdirs_and_delete(tmp_path):
    fs.mkdirs(str(tmp_path / "m" / "n"))
    fs.mkdirs(str(tmp_path / "m" / "n"))  # idempotent
    touch(tmp_path / "m" / "n" / "f")
    with pytest.raises(FileExistsError, match="a file exists there"):
        fs.mkdirs(str(tmp_path / "m" / "n" / "f"))
    with pytest.raises(OSError, match="not empty"):
        fs.delete(str(tmp_path / "m"))
    assert fs.delete(str(tmp_path / "m" / "n" / "f")) is True
    assert fs.delete(str(tmp_path / "m" / "n")) is True
    assert fs.delete(str(tmp_path / "m" / "n")) is False
    touch(tmp_path / "m" / "deep" / "er" / "f")
    assert fs.delete(str(tmp_path / "m"), recursive=True) is True
    assert os.listdir(tmp_path) == []


# -- glob ----------------------------------------------------------------------------


NAMES = ["a", "b", "ab", "ba", "abc", ".a", "_b", "a.b", "c"]
components = (
    st.lists(st.sampled_from(["a", "b", "c", ".", "*", "?", "[ab]", "[!a]", "[a-b]"]), min_size=1, max_size=4)
    .map("".join)
    .filter(lambda p: p not in (".", ".."))  # path normalisation, not matching, handles these
)


@settings(max_examples=150, deadline=None, database=None)
@given(pattern=components)
def test_component_glob_agrees_with_fnmatch(pattern):
    # fnmatch is an independent oracle for * ? [..] [!..] on single names.
    with tempfile.TemporaryDirectory() as d:
        for name in NAMES:
            touch(Path(d) / name)
        got = [Path(s.path).name for s in fs.glob(f"{d}/{pattern}")]
        assert got == sorted(n for n in NAMES if fnmatch.fnmatchcase(n, pattern))


def test_glob_across_levels_braces_and_escapes(tmp_path):
    for rel in ["y1/m1/f", "y1/m2/f", "y2/m1/f", "y2/m1/g", "lit*eral/f", "x{1}/f"]:
        touch(tmp_path / rel)
    def rel(pattern):
        return [str(Path(s.path).relative_to(tmp_path)) for s in fs.glob(f"{tmp_path}/{pattern}")]
    assert rel("y*/m1/*") == ["y1/m1/f", "y2/m1/f", "y2/m1/g"]
    assert rel("{y1/m2,y2/m1}/f") == ["y1/m2/f", "y2/m1/f"]
    assert rel("y{1,2}/m{1,{2}}") == ["y1/m1", "y1/m2", "y2/m1"]
    assert rel("y[^1]/*/[fg]") == ["y2/m1/f", "y2/m1/g"]
    assert rel("lit\\*eral/*") == ["lit*eral/f"]
    assert rel("x\\{1\\}/?") == ["x{1}/f"]
    assert rel("y1/m1/f/*") == []  # a file has no children
    assert rel("nothing*/f") == []
    assert rel("y1") == ["y1"]  # no metacharacters: the path itself, if it exists
    assert rel("y1/{m1,m1}/f") == ["y1/m1/f"]  # duplicates collapse


def test_glob_relative_pattern_with_magic_in_cwd(tmp_path, monkeypatch):
    odd = tmp_path / "we[i]rd*dir"
    touch(odd / "f1")
    touch(tmp_path / "wei" / "f1")  # would match if the cwd were treated as a pattern
    monkeypatch.chdir(odd)
    assert [s.path for s in fs.glob("f?")] == [str(odd / "f1")]
    # An absolute pattern is all pattern: its metacharacters must be escaped to be literal.
    assert [s.path for s in fs.glob(f"file:{escape(str(odd))}/f*")] == [str(odd / "f1")]


def test_glob_syntax_errors_and_helpers():
    with pytest.raises(ValueError, match="Unclosed group"):
        fs.glob("/tmp/{a,b")
    with pytest.raises(ValueError, match="Unclosed character class"):
        fs.glob("/tmp/[ab")
    assert expand_braces("{a,b}{1,2}") == ["a1", "a2", "b1", "b2"]
    assert expand_braces("\\{a,b}") == ["\\{a,b}"]
    assert [has_magic(p) for p in ["a*", "a?", "[a]", "{a}", "a\\*", "plain"]] == [True] * 4 + [False] * 2
    assert parent_path("hdfs://nn:9000/a") == "hdfs://nn:9000/"


class RootedFS(FileSystem):
    """A URI-named file system over a local directory, to exercise the generic glob."""

    prefix = "mem://box"

    def __init__(self, root: str) -> None:
        self.root, self.local = root, LocalFileSystem()

    def _real(self, path: str) -> str:
        assert path.startswith(self.prefix), path
        return self.root + path[len(self.prefix):]

    def _named(self, status):
        uri = self.prefix + status.path[len(self.root):]
        return type(status)(uri, status.length, status.is_dir, status.modification_time, status.block_size)

    def status(self, path):
        return self._named(self.local.status(self._real(path)))

    def list_status(self, path):
        return [self._named(s) for s in self.local.list_status(self._real(path))]

    open = create = exists = mkdirs = delete = rename = block_locations = default_block_size = None


def test_generic_glob_on_uri_file_systems(tmp_path):
    for rel in ["a/1", "a/2", "b/1"]:
        touch(tmp_path / rel)
    mem = RootedFS(str(tmp_path))
    assert [s.path for s in mem.glob("mem://box/*/1")] == ["mem://box/a/1", "mem://box/b/1"]
    assert [s.path for s in mem.glob("mem://box/{a,b}")] == ["mem://box/a", "mem://box/b"]


# -- registry --------------------------------------------------------------------------


def test_schemes_choose_file_systems():
    assert isinstance(get_filesystem("/x"), LocalFileSystem)
    assert isinstance(get_filesystem("relative/x"), LocalFileSystem)
    assert isinstance(get_filesystem("file:///x"), LocalFileSystem)
    assert (uri_scheme("HDFS://nn/x"), uri_scheme("/a:b")) == ("hdfs", "")
    with pytest.raises(ValueError, match="^No FileSystem for scheme: nosuchscheme$"):
        get_filesystem("nosuchscheme://bucket/key")  # other schemes go to fsspec


def test_registered_and_lazy_factories():
    seen = []
    register_filesystem("rec", lambda path: seen.append(path) or LocalFileSystem(block_size=5))
    register_filesystem("lazy", "minispark.fs.registry:_local_factory")
    register_filesystem("broken", "minispark.fs.no_such_module:Thing.from_uri")
    try:
        assert get_filesystem("rec://h/p").default_block_size() == 5
        assert seen == ["rec://h/p"]
        assert isinstance(get_filesystem("LAZY://x"), LocalFileSystem)
        with pytest.raises(ImportError, match="scheme 'broken'.*no_such_module"):
            get_filesystem("broken://x")
    finally:
        for scheme in ("rec", "lazy", "broken"):
            unregister_filesystem(scheme)
    with pytest.raises(ValueError, match="No FileSystem for scheme: rec"):
        get_filesystem("rec://h/p")
    with pytest.raises(ValueError, match="Invalid URI scheme"):
        register_filesystem("9x", lambda p: fs)
    with pytest.raises(TypeError):
        register_filesystem("ok", "no-colon-reference")


def test_unregistering_a_builtin_restores_it():
    register_filesystem("file", lambda path: LocalFileSystem(block_size=3))
    assert get_filesystem("/x").default_block_size() == 3
    unregister_filesystem("file")
    assert get_filesystem("/x").default_block_size() == 32 * 1024 * 1024
