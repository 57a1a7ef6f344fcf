"""Reshaping a DataFrame: ``unpivot`` (wide to long) and ``transpose``.

>>> df = spark.createDataFrame([(1, 11, 12)], ["id", "a", "b"])
>>> df.unpivot("id", ["a", "b"], "var", "val").collect()
[Row(id=1, var='a', val=11), Row(id=1, var='b', val=12)]
"""
from __future__ import annotations

from typing import Any

from minispark.errors import AnalysisException, PySparkTypeError, PySparkValueError
from minispark.sql import functions as F
from minispark.sql.column import Column
from minispark.sql.plan.typecoercion import common_type, is_string
from minispark.sql.types import DataType, StringType, StructType


def _columns(df: Any, cols: Any) -> list[Column]:
    """Columns given as a name, a Column, or a list/tuple of them."""
    items = list(cols) if isinstance(cols, (list, tuple)) else [cols]
    out = []
    for c in items:
        if isinstance(c, str):
            out.append(df[c])
        elif isinstance(c, Column):
            out.append(c)
        else:
            raise PySparkTypeError("NOT_COLUMN_OR_STR", "Argument `cols` should be a Column or "
                                   f"str, got {type(c).__name__}.", {})
    return out


def _types(df: Any, cols: list[Column]) -> list[tuple[str, DataType]]:
    """Each column's output name and type (resolved against ``df``)."""
    fields = df.select(*cols).schema.fields
    return [(f.name, f.dataType) for f in fields]


def _common(types: list[DataType]) -> DataType | None:
    """The least common type, without turning strings into numbers (None if there is none)."""
    if len({is_string(t) for t in types}) > 1:
        return None
    return common_type(types)


def _value_type(types: list[DataType], names: list[str]) -> DataType:
    common = _common(types)
    if common is None:
        listed = ", ".join(f'"{t.simpleString().upper()}" (`{n}`)' for n, t in zip(names, types))
        raise AnalysisException(
            "UNPIVOT_VALUE_DATA_TYPE_MISMATCH",
            f"Unpivot value columns must share a least common type, some types do not: "
            f"[{listed}].", {}, "42K09")
    return common


def unpivot(df: Any, ids: Any, values: Any, variable: str, value: str) -> Any:
    """One row per id row and value column: ids, the column's name and its value."""
    if ids is None:
        raise PySparkValueError("NOT_LIST_OR_STR_OR_TUPLE", "ids must not be None (use [] for "
                                "no id columns).", {})
    id_cols = _columns(df, ids)
    id_names = {n for n, _ in _types(df, id_cols)} if id_cols else set()
    if values is None:
        value_cols = [df[n] for n in df.columns if n not in id_names]
    else:
        value_cols = _columns(df, values)
    if not value_cols:
        raise AnalysisException("UNPIVOT_REQUIRES_VALUE_COLUMNS",
                                "At least one value column needs to be specified for UNPIVOT, "
                                "all columns specified as ids.", {}, "42K0A")
    described = _types(df, value_cols)
    target = _value_type([t for _, t in described], [n for n, _ in described])
    pairs = [F.struct(F.lit(name).alias(variable), c.cast(target).alias(value))
             for (name, _), c in zip(described, value_cols)]
    exploded = df.select(*id_cols, F.explode(F.array(*pairs)).alias("__unpivot"))
    *id_attrs, pair = exploded._plan.output
    field = Column(pair).getField
    # A column's name is never null (the exploded struct could be, as far as types go).
    return exploded.select(*[Column(a) for a in id_attrs],
                           F.coalesce(field(variable), F.lit("")).alias(variable),
                           field(value).alias(value))


def transpose(df: Any, index: Any = None) -> Any:
    """Columns become rows: the first (or ``index``) column's values name the new columns."""
    if index is None:
        if not df.columns:
            raise PySparkValueError("TRANSPOSE_REQUIRES_COLUMNS", "The DataFrame has no "
                                    "columns to transpose.", {})
        index_col = Column(df._plan.output[0])
    else:
        index_col = _columns(df, index)[0]
    index_name = _types(df, [index_col])[0][0]
    others = [a for a in df._plan.output if a.name != index_name]
    target = _common([a.data_type for a in others]) if others else StringType()
    if target is None:
        shown = " and ".join(f'"{a.data_type.simpleString().upper()}"' for a in others[:2])
        raise AnalysisException(
            "TRANSPOSE_NO_LEAST_COMMON_TYPE",
            f"Transpose requires non-index columns to share a least common type, but {shown} "
            "do not.", {}, "42K09")
    # Sorted by the index values themselves (2 before 10), named by their text.
    values = [Column(a).cast(target) for a in others]
    rows = df.select(index_col.alias("__index"), index_col.cast("string"), *values
                     ).orderBy("__index").collect()
    rows = [r[1:] for r in rows if r[0] is not None]
    schema = StructType().add("key", StringType(), False)
    for r in rows:
        schema.add(r[0], target, True)
    data = [tuple([a.name] + [r[i + 1] for r in rows]) for i, a in enumerate(others)]
    return df.sparkSession.createDataFrame(data, schema)


def row_json(row: Any) -> str:
    """One row as Spark's ``toJSON`` writes it: compact, null fields left out."""
    import json

    return json.dumps(_jsonable(row), separators=(",", ":"), ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    """``value`` as JSON-ready data: Rows and dicts as objects (nulls dropped), dates as text."""
    from minispark.sql.row import Row

    if isinstance(value, Row):
        return {k: _jsonable(v) for k, v in zip(value.__fields__, value) if v is not None}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return value


def zip_projections(left: Any, right: Any) -> Any:
    """One projection over the common source of two chains of projections (``zip``)."""
    from minispark.sql.dataframe import _canonical
    from minispark.sql.plan import expressions as E
    from minispark.sql.plan import logical as L

    left_cols, left_base = _unprojected(left)
    right_cols, right_base = _unprojected(right)
    if _canonical(left_base) != _canonical(right_base):
        raise AnalysisException("ZIP_PLANS_NOT_MERGEABLE",
                                "The two DataFrames in zip() cannot be merged. They must "
                                "produce the same canonicalized plan after stripping outer "
                                "Project chains.", {}, "42K03")
    # The right side may be an equal copy with other ids: read the left's columns instead.
    same = {r.expr_id: a for r, a in zip(right_base.output, left_base.output)}
    right_cols = [(n, _substitute(e, same)) for n, e in right_cols]
    exprs = [e if isinstance(e, E.AttributeReference) and e.name == n else E.Alias(e, n)
             for n, e in left_cols + right_cols]
    return L.Project(exprs, left_base)


def _unprojected(plan: Any) -> tuple[list[tuple[str, Any]], Any]:
    """``plan``'s columns as (name, expression over the plan below its projections)."""
    from minispark.sql.plan import expressions as E
    from minispark.sql.plan import logical as L

    columns = [(a.name, a) for a in plan.output]
    while isinstance(plan, L.Project):
        mapping = {e.expr_id: e.child for e in plan.project_list if isinstance(e, E.Alias)}
        columns = [(n, _substitute(e, mapping)) for n, e in columns]
        plan = plan.child
    return columns, plan


def _substitute(expr: Any, mapping: dict) -> Any:
    from minispark.sql.plan.optimizer import substitute

    return substitute(expr, mapping)
