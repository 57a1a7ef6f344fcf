"""Sub-directories of an input directory, as PySpark 4 treats them.

``textFile``, ``binaryRecords`` and ``pickleFile`` fail at the first action
(Hadoop's ``FileInputFormat`` does not read directories recursively);
``wholeTextFiles`` and ``binaryFiles`` skip them.  A glob that matches a
directory reads that directory's files.
"""
from __future__ import annotations

from pathlib import Path

import pytest


def tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def top_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tree(tmp_path / "in", {"a.txt": b"A\n", "z.txt": b"Z1\nZ2\n", "inner/b.txt": b"B\n",
                                  "inner/deeper/c.txt": b"C\n"})


@pytest.mark.parametrize("method", ["textFile", "binaryRecords", "pickleFile"])
def test_record_readers_fail_at_the_action_naming_the_directory(sc, folder, method):
    args = (1,) if method == "binaryRecords" else ()
    rdd = getattr(sc, method)(str(folder), *args)  # defining it lists nothing
    with pytest.raises(IsADirectoryError, match=f"Path: file:{folder / 'inner'} is a directory"):
        rdd.collect()


def test_whole_file_readers_skip_sub_directories(sc, folder):
    files = top_files(folder)
    assert sorted(sc.wholeTextFiles(str(folder)).collect()) == \
        [(f"file:{p}", p.read_text()) for p in files]
    assert sorted(sc.binaryFiles(str(folder)).collect()) == \
        [(f"file:{p}", p.read_bytes()) for p in files]


def test_directory_holding_only_directories(sc, tmp_path):
    only = tree(tmp_path / "only", {"inner/b.txt": b"B\n"})
    assert sc.wholeTextFiles(str(only)).collect() == []
    assert sc.binaryFiles(str(only)).collect() == []
    with pytest.raises(IsADirectoryError):
        sc.textFile(str(only)).collect()


def test_glob_matching_a_directory_reads_its_files(sc, folder):
    # "in/*" matches a.txt, inner/ and z.txt; inner/ is listed, inner/deeper/ is not read.
    matched = [folder / "a.txt", folder / "inner" / "b.txt", folder / "z.txt"]
    whole = sorted(sc.wholeTextFiles(str(folder / "*")).collect())
    assert whole == sorted((f"file:{p}", p.read_text()) for p in matched)
    with pytest.raises(IsADirectoryError, match="deeper is a directory"):
        sc.textFile(str(folder / "*")).collect()
    (folder / "inner" / "deeper" / "c.txt").unlink()
    (folder / "inner" / "deeper").rmdir()
    assert sc.textFile(str(folder / "*")).collect() == \
        [line for p in matched for line in p.read_text().splitlines()]
