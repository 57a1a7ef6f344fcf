"""``Row``: a tuple whose items also have names, as PySpark's ``pyspark.sql.Row``.

A row built from keyword arguments keeps them in the order given (Spark 3+
no longer sorts them).  A row built from positional strings is a *row
factory*: calling it with values makes a row with those field names.
"""
from __future__ import annotations

from typing import Any, Iterable

from minispark.errors import PySparkAttributeError, PySparkRuntimeError, PySparkTypeError, PySparkValueError

def _create_row(fields: Iterable[str], values: Iterable[Any]) -> "Row":
    """Build a row with the given field names; the target of ``Row.__reduce__``.

    >>> _create_row(["a", "b"], (1, 2))
    Row(a=1, b=2)
    """
    row = Row(*values)
    object.__setattr__(row, "__fields__", list(fields))
    return row


def _as_plain(value: Any) -> Any:
    """Rows to dicts, recursively through lists and dict values."""
    if isinstance(value, Row) and hasattr(value, "__fields__"):
        return value.asDict(True)
    if isinstance(value, list):
        return [_as_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_plain(v) for k, v in value.items()}
    return value


class Row(tuple):
    """A row of a DataFrame: index it, or read its fields by name or attribute.

    >>> row = Row(name="Alice", age=11)
    >>> row
    Row(name='Alice', age=11)
    >>> row.name, row["age"], row[0], "name" in row
    ('Alice', 11, 'Alice', True)
    >>> row == ("Alice", 11)
    True

    Positional strings make a factory for rows with those fields:

    >>> Person = Row("name", "age")
    >>> Person
    <Row('name', 'age')>
    >>> Person("Bob", 3)
    Row(name='Bob', age=3)
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "Row":
        if args and kwargs:
            raise PySparkValueError("CANNOT_SET_TOGETHER", "args and kwargs should not be set together.")
        if not kwargs:
            return tuple.__new__(cls, args)
        row = tuple.__new__(cls, kwargs.values())
        object.__setattr__(row, "__fields__", list(kwargs))
        # A row written as keywords is matched to a schema by name, not position.
        object.__setattr__(row, "__from_dict__", True)
        return row

    def asDict(self, recursive: bool = False) -> dict[str, Any]:
        """The row as a ``dict`` of field name to value.

        With ``recursive=True``, nested rows (also inside lists and dict
        values) become dicts too.

        >>> Row(key=1, value=Row(name="a", age=2)).asDict(True)
        {'key': 1, 'value': {'name': 'a', 'age': 2}}
        """
        if not hasattr(self, "__fields__"):
            raise PySparkTypeError("CANNOT_CONVERT_TYPE", "Cannot convert Row into dict.")
        if recursive:
            return {k: _as_plain(v) for k, v in zip(self.__fields__, self)}
        return dict(zip(self.__fields__, self))

    def __contains__(self, item: Any) -> bool:
        if hasattr(self, "__fields__"):
            return item in self.__fields__
        return tuple.__contains__(self, item)

    def __call__(self, *args: Any) -> "Row":
        """Make a row whose field names are this row's values.

        >>> Row("a", "b")(1, 2).asDict()
        {'a': 1, 'b': 2}
        """
        if len(args) > len(self):
            raise PySparkValueError(
                "TOO_MANY_VALUES", f"Expected {len(self)} values for `fields`, got {len(args)}."
            )
        return _create_row(self, args)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, (int, slice)):
            return tuple.__getitem__(self, item)
        try:
            index = self.__fields__.index(item)
        except (AttributeError, ValueError):
            raise ValueError(item) from None
        return tuple.__getitem__(self, index)

    def __getattr__(self, item: str) -> Any:
        if item.startswith("__"):
            raise AttributeError(item)
        try:
            index = self.__fields__.index(item)
        except (AttributeError, ValueError):
            raise PySparkAttributeError(
                "ATTRIBUTE_NOT_SUPPORTED", f"Attribute `{item}` is not supported."
            ) from None
        return tuple.__getitem__(self, index)

    def __setattr__(self, key: str, value: Any) -> None:
        raise PySparkRuntimeError("READ_ONLY", "Row is read-only.")

    def __reduce__(self) -> tuple:
        if hasattr(self, "__fields__"):
            return (_create_row, (self.__fields__, tuple(self)))
        return (Row, tuple(self))

    def __repr__(self) -> str:
        if hasattr(self, "__fields__"):
            body = ", ".join(f"{k}={v!r}" for k, v in zip(self.__fields__, self))
            return f"Row({body})"
        return "<Row(" + ", ".join(repr(v) for v in self) + ")>"
