"""Physical execution: operators over Arrow record batches, run as RDD stages.

Batches cross process boundaries (task results, shuffle files, cached blocks)
by pickle; importing this package makes pickle write them as Arrow IPC
streams, which also keeps the row count of a batch without columns (pyarrow's
own pickling loses it, and ``count()`` relies on such batches).
"""
from __future__ import annotations

import copyreg

import pyarrow as pa


def _ipc_bytes(table: pa.RecordBatch | pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write(table)
    return sink.getvalue().to_pybytes()


def _batch_from_ipc(data: bytes) -> pa.RecordBatch:
    batches = list(pa.ipc.open_stream(data))
    if len(batches) == 1:
        return batches[0]
    reader = pa.ipc.open_stream(data)
    return pa.Table.from_batches(batches, reader.schema).combine_chunks().to_batches()[0]


def _table_from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def _reduce_batch(batch: pa.RecordBatch) -> tuple:
    return _batch_from_ipc, (_ipc_bytes(batch),)


def _reduce_table(table: pa.Table) -> tuple:
    return _table_from_ipc, (_ipc_bytes(table),)


copyreg.pickle(pa.RecordBatch, _reduce_batch)
copyreg.pickle(pa.Table, _reduce_table)
