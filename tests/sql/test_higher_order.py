"""Higher-order functions (Python and SQL lambdas), checked against plain Python."""
from __future__ import annotations

import functools

import pytest

from minispark.errors import AnalysisException
from minispark.sql import functions as F

ROWS = [(1, [1, 2, None, 4]), (2, None), (3, []), (4, [5, -1])]


@pytest.fixture
def df(spark):
    return spark.createDataFrame(ROWS, "key int, vs array<int>")


def column(df, expr) -> list:
    return [r[0] for r in df.select(expr).collect()]


def per_row(func) -> list:
    return [None if vs is None else func(key, vs) for key, vs in ROWS]


def add(a, b):
    return None if a is None or b is None else a + b


def test_transform_with_outer_column_and_index(df):
    got = column(df, F.transform("vs", lambda x, i: x * 10 + i + F.col("key")))
    assert got == per_row(lambda k, vs: [None if x is None else x * 10 + i + k
                                         for i, x in enumerate(vs)])


def test_sql_lambda_matches_python_lambda(df):
    sql = [r[0] for r in df.selectExpr("transform(vs, x -> x + key)").collect()]
    assert sql == column(df, F.transform("vs", lambda x: x + F.col("key")))
    assert sql == per_row(lambda k, vs: [add(x, k) for x in vs])


def test_lambda_column_names(df):
    # Spark names every lambda variable ``namedlambdavariable()`` in column names.
    var = "namedlambdavariable()"
    sql = df.selectExpr("transform(vs, x -> x * 2)", "filter(vs, (x, i) -> i > 0)")
    assert sql.columns == [f"transform(vs, lambdafunction(({var} * 2), {var}))",
                           f"filter(vs, lambdafunction(({var} > 0), {var}, {var}))"]
    fold = df.select(F.aggregate("vs", F.lit(0), lambda acc, x: acc + x))
    assert fold.columns == [(f"aggregate(vs, 0, lambdafunction(({var} + {var}), {var}, {var}), "
                             f"lambdafunction({var}, {var}))")]


def three_valued(values, test, any_mode: bool):
    verdicts = [None if v is None else test(v) for v in values]
    decisive = (True in verdicts) if any_mode else (False in verdicts)
    if decisive:
        return any_mode
    return None if None in verdicts else not any_mode


def test_exists_and_forall_are_three_valued(df):
    assert column(df, F.exists("vs", lambda x: x > 4)) == per_row(
        lambda k, vs: three_valued(vs, lambda v: v > 4, True))
    assert column(df, F.forall("vs", lambda x: x > 0)) == per_row(
        lambda k, vs: three_valued(vs, lambda v: v > 0, False))


def test_filter_with_index(df):
    got = column(df, F.filter("vs", lambda x, i: (i % 2 == 0) & x.isNotNull()))
    assert got == per_row(lambda k, vs: [x for i, x in enumerate(vs)
                                         if i % 2 == 0 and x is not None])


def test_aggregate_with_finish_and_struct_accumulator(df):
    total = column(df, F.aggregate("vs", F.lit(0), lambda acc, x: acc + F.coalesce(x, F.lit(0))))
    assert total == per_row(lambda k, vs: sum(v for v in vs if v is not None))
    zero = F.struct(F.lit(0).alias("n"), F.lit(0.0).alias("s"))
    mean = column(df, F.aggregate(
        "vs", zero, lambda acc, x: F.struct((acc.n + 1).alias("n"),
                                            (acc.s + F.coalesce(x, F.lit(0))).alias("s")),
        lambda acc: F.try_divide(acc.s, acc.n)))
    expected = per_row(lambda k, vs: sum(v or 0 for v in vs) / len(vs) if vs else None)
    assert mean == expected


def test_sql_reduce_with_finish(df):
    got = [r[0] for r in df.selectExpr("reduce(vs, 0D, (a, x) -> a + coalesce(x, 0) * 1.5D, "
                                       "a -> a * 2)").collect()]
    assert got == per_row(lambda k, vs: float(sum((v or 0) * 1.5 for v in vs) * 2))


def test_fold_needs_the_accumulator_type(df):
    # Spark does not widen the start value to the merge function's type.
    with pytest.raises(AnalysisException, match="UNEXPECTED_INPUT_TYPE"):
        df.selectExpr("aggregate(vs, 0, (a, x) -> a + 0.5D)").collect()


def test_zip_with_pads_the_shorter_array(spark):
    data = [([1, 2, 3], [10, 20]), (None, [1]), ([], [])]
    df = spark.createDataFrame(data, "a array<int>, b array<int>")
    got = column(df, F.zip_with("a", "b", lambda x, y: F.coalesce(x, F.lit(0)) * 100 +
                                F.coalesce(y, F.lit(0))))
    expected = []
    for a, b in data:
        if a is None or b is None:
            expected.append(None)
            continue
        n = max(len(a), len(b))
        left, right = a + [None] * (n - len(a)), b + [None] * (n - len(b))
        expected.append([(x or 0) * 100 + (y or 0) for x, y in zip(left, right)])
    assert got == expected


def test_map_functions(spark):
    data = [({"a": 1, "b": -2}, {"b": 3, "c": 4}), (None, {"x": 1})]
    df = spark.createDataFrame(data, "m map<string,int>, n map<string,int>")
    assert column(df, F.transform_values("m", lambda k, v: v * 2)) == [
        None if m is None else {k: v * 2 for k, v in m.items()} for m, _ in data]
    assert column(df, F.transform_keys("m", lambda k, v: F.upper(k))) == [
        None if m is None else {k.upper(): v for k, v in m.items()} for m, _ in data]
    assert column(df, F.map_filter("m", lambda k, v: v > 0)) == [
        None if m is None else {k: v for k, v in m.items() if v > 0} for m, _ in data]
    zipped = column(df, F.map_zip_with("m", "n", lambda k, x, y: F.coalesce(x, F.lit(0)) -
                                       F.coalesce(y, F.lit(0))))
    expected = []
    for m, n in data:
        if m is None or n is None:
            expected.append(None)
            continue
        keys = list(dict.fromkeys(list(m) + list(n)))
        expected.append({k: m.get(k, 0) - n.get(k, 0) for k in keys})
    assert zipped == expected


def test_array_sort_with_comparator(spark):
    data = [(["bb", "a", None, "ccc"],), ([],), (None,)]
    df = spark.createDataFrame(data, "s array<string>")
    got = column(df, F.array_sort("s", lambda l, r: F.when(l.isNull(), 1)
                                  .when(r.isNull(), -1).otherwise(F.length(r) - F.length(l))))

    def compare(l, r):
        if l is None:
            return 1
        if r is None:
            return -1
        return len(r) - len(l)
    assert got == [None if s is None else sorted(s, key=functools.cmp_to_key(compare))
                   for (s,) in data]


def test_nested_lambdas_see_the_outer_parameter(df):
    got = [r[0] for r in df.selectExpr(
        "transform(vs, x -> aggregate(vs, 0, (acc, y) -> acc + coalesce(x * y, 0)))").collect()]
    assert got == per_row(lambda k, vs: [sum(x * y for y in vs if y is not None)
                                         if x is not None else 0 for x in vs])


def test_lambda_errors(df):
    with pytest.raises(AnalysisException, match="INVALID_LAMBDA_FUNCTION_CALL"):
        df.selectExpr("transform(vs, (x, y, z) -> x)").collect()
    with pytest.raises(AnalysisException, match="UNEXPECTED_INPUT_TYPE"):
        df.select(F.filter("vs", lambda x: x + 1)).collect()
    with pytest.raises(AnalysisException, match="UNEXPECTED_INPUT_TYPE"):
        df.select(F.transform("key", lambda x: x)).collect()
