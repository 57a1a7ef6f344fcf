"""Functions added for PySpark's docstring examples, checked against DuckDB and Python."""
from __future__ import annotations

import datetime
import math

import duckdb
import pytest

from minispark.sql import functions as F

VALUES = [0.3, 1.5, -0.7, None]


def test_inverse_hyperbolic_and_reciprocal_trigonometry(spark):
    df = spark.createDataFrame([(v,) for v in VALUES], "x DOUBLE")
    got = df.select(F.asinh("x"), F.atanh("x"), F.cot("x"), F.sec("x"), F.csc("x")).collect()
    for row, v in zip(got, VALUES):
        want = (None,) * 5 if v is None else (
            math.asinh(v), math.atanh(v) if abs(v) < 1 else math.nan,
            1 / math.tan(v), 1 / math.cos(v), 1 / math.sin(v))
        for a, b in zip(row, want):
            assert (a is None and b is None) or a == pytest.approx(b, nan_ok=True)
    acosh = df.select(F.acosh(F.col("x") + 1)).collect()
    assert [r[0] for r in acosh] == pytest.approx(
        [duckdb.sql(f"SELECT acosh({v} + 1)").fetchall()[0][0] if v is not None and v > -1 else
         (None if v is None else math.nan) for v in VALUES], nan_ok=True)


@pytest.mark.parametrize("bits", [0, 1, 3, 31])
def test_shifts_and_bit_count_match_duckdb(spark, bits):
    values = [0, 1, -1, 1234567, -98765, (1 << 62) + 5]
    df = spark.createDataFrame([(v,) for v in values], "x BIGINT")
    got = df.select(F.shiftleft("x", bits), F.shiftright("x", bits),
                    F.shiftrightunsigned("x", bits), F.bit_count("x")).collect()
    mask = (1 << 64) - 1

    def signed(v: int) -> int:
        v &= mask
        return v - (1 << 64) if v >> 63 else v

    for row, v in zip(got, values):
        assert tuple(row) == (signed(v << bits), v >> bits, signed((v & mask) >> bits),
                              bin(v & mask).count("1"))


def test_null_zero_conversions_names_and_chr(spark):
    df = spark.createDataFrame([(0, datetime.date(2024, 2, 29), 65), (None, None, 321),
                                (7, datetime.date(2023, 12, 3), -1)],
                               "n INT, d DATE, c BIGINT")
    got = df.select(F.nullifzero("n"), F.zeroifnull("n"), F.monthname("d"), F.dayname("d"),
                    F.chr("c"), F.bit_length(F.lit("héllo"))).collect()
    assert [tuple(r) for r in got] == [
        (None, 0, "Feb", "Thu", "A", 48),
        (None, 0, None, None, chr(321 % 256), 48),
        (7, 7, "Dec", "Sun", "", 48),
    ]


def test_string_predicates_with_constant_and_per_row_patterns(spark):
    rows = [("apple", "ap"), ("banana", "na"), (None, "x"), ("cherry", None), ("", "")]
    df = spark.createDataFrame(rows, "a STRING, b STRING")
    got = df.select(F.col("a").startswith("ap"), F.col("a").endswith(F.col("b")),
                    F.col("a").contains("an"), F.col("a").contains(F.col("b")),
                    F.col("a").startswith(F.col("b"))).collect()

    def test(s, p, check):
        return None if s is None or p is None else check(s, p)

    for row, (a, b) in zip(got, rows):
        assert tuple(row) == (test(a, "ap", str.startswith), test(a, b, str.endswith),
                              test(a, "an", str.__contains__), test(a, b, str.__contains__),
                              test(a, b, str.startswith))
