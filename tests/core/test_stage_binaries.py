"""The driver ships each stage binary to an executor once: an executor must
still run that stage's later tasks after the binary failed to unpickle there
(with the real error again, not "never sent") or was evicted from its cache."""
from __future__ import annotations

import pytest

from minispark.scheduler import executor as executor_module
from minispark.scheduler.executor import MAX_BINARIES, Executor, ExecutorSettings
from minispark.scheduler.lineage import serialize_stage


def _binary(sc, offset: int) -> bytes:
    rdd = sc.parallelize(range(4), 1).map(lambda x: x + offset)
    return serialize_stage(rdd, lambda _ctx, it: list(it))


def _records(executor: Executor, binary_id: int, binary: bytes | None) -> list:
    stage = executor._stage(binary_id, binary)
    return stage.payload(None, stage.rdd.iterator(0, None))


@pytest.fixture
def executor(tmp_path):
    ex = Executor("test", ExecutorSettings(str(tmp_path), 1 << 20), in_driver=True)
    yield ex
    ex.close()


def test_a_binary_that_failed_to_load_fails_again_with_its_own_error(sc, executor, monkeypatch):
    real = executor_module.deserialize_stage
    calls = []

    def fail_first(data):
        calls.append(data)
        if len(calls) == 1:
            raise ModuleNotFoundError("No module named 'helpers' (injected)")
        return real(data)

    monkeypatch.setattr(executor_module, "deserialize_stage", fail_first)
    binary = _binary(sc, 10)
    with pytest.raises(ModuleNotFoundError, match="helpers"):
        executor._stage(7, binary)
    # The driver does not send it again; the executor loads the bytes it kept.
    assert _records(executor, 7, None) == [10, 11, 12, 13]
    assert calls == [binary, binary]


def test_an_evicted_binary_is_loaded_again_from_its_bytes(sc, executor):
    binaries = {i: _binary(sc, i) for i in range(MAX_BINARIES + 3)}
    for binary_id, binary in binaries.items():
        executor._stage(binary_id, binary)
    assert 0 not in executor._binaries
    assert _records(executor, 0, None) == [0, 1, 2, 3]


def test_a_binary_never_sent_is_named(executor):
    with pytest.raises(RuntimeError, match="stage binary 99 was never sent"):
        executor._stage(99, None)
