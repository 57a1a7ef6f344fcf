"""Dates, timestamps and intervals: constructors, arithmetic, printing and time zones.

Expectations come from Python's own calendar arithmetic (``datetime``, ``zoneinfo``,
pandas' ``DateOffset`` for month steps) or from Spark's documented formats.
"""
from __future__ import annotations

import calendar
import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from minispark.errors import ArithmeticException
from minispark.sql import functions as F

UTC = datetime.timezone.utc


@pytest.fixture
def utc_spark(spark):
    """A session whose time zone is UTC (wall clock == instant)."""
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    return spark


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """Spark's month step: same day of month, clamped to the target month's last day."""
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def _cells(df) -> list[str]:
    """The cells of a one-row DataFrame as ``show()`` prints them."""
    from minispark.sql.dataframe import _formatted_columns

    table = df._limited(1)
    return [column[0] for column in _formatted_columns(table, df.schema, "UTC")]


def test_interval_constructors_match_python_arithmetic(utc_spark):
    row = utc_spark.createDataFrame([(1, 12, 30, 1.001001, 100, 11, 2)],
                                    ["d", "h", "m", "s", "y", "mo", "w"]).select(
        F.make_dt_interval("d", "h", "m", "s").alias("dt"),
        F.make_ym_interval("y", "mo").alias("ym"),
        F.make_interval("y", "mo", "w", "d", "h", "m", "s").alias("cal")).first()
    assert row.dt == datetime.timedelta(days=1, hours=12, minutes=30, seconds=1,
                                        microseconds=1001)
    assert row.ym == 100 * 12 + 11
    months, days, nanos = row.cal
    assert (months, days) == (100 * 12 + 11, 2 * 7 + 1)
    assert nanos == ((12 * 60 + 30) * 60 * 1_000_000 + 1_001_001) * 1000


def test_interval_text_follows_spark_formats(utc_spark):
    df = utc_spark.sql(
        "SELECT INTERVAL 3 HOURS, INTERVAL '1 02' DAY TO HOUR, INTERVAL 90 MINUTES, "
        "-INTERVAL '1-2' YEAR TO MONTH, INTERVAL '10:20' MINUTE TO SECOND, INTERVAL 2 MONTHS, "
        "make_interval(0, 0, 0, 0, -1, -30, -1.5), make_interval(100, 11, 1, 1, 12, 30, 1.001001),"
        " make_dt_interval(0, 0, 0, 0)")
    assert _cells(df) == [
        "INTERVAL '03' HOUR", "INTERVAL '1 02' DAY TO HOUR", "INTERVAL '90' MINUTE",
        "INTERVAL '-1-2' YEAR TO MONTH", "INTERVAL '10:20' MINUTE TO SECOND",
        "INTERVAL '2' MONTH", "-1 hours -30 minutes -1.5 seconds",
        "100 years 11 months 8 days 12 hours 30 minutes 1.001001 seconds",
        "INTERVAL '0 00:00:00' DAY TO SECOND"]


@pytest.mark.parametrize("start", ["2020-01-31", "2019-02-28", "2024-12-15"])
def test_date_and_timestamp_arithmetic_matches_python(utc_spark, start):
    day = datetime.date.fromisoformat(start)
    stamp = datetime.datetime.combine(day, datetime.time(10, 30))
    df = utc_spark.sql(
        f"SELECT date'{start}' + 3 AS a, date'{start}' - 40 AS b,"
        f" date'{start}' + INTERVAL 1 MONTH AS c, date'{start}' - INTERVAL '1-2' YEAR TO MONTH"
        f" AS d, timestamp'{stamp}' + INTERVAL '1 02:03:04' DAY TO SECOND AS e,"
        f" timestamp'{stamp}' + INTERVAL 13 MONTHS AS f, date'{start}' - date'2000-01-01' AS g,"
        f" date'{start}' + INTERVAL 2 DAYS AS h")
    row = df.first()
    assert row.a == day + datetime.timedelta(days=3)
    assert row.b == day - datetime.timedelta(days=40)
    assert row.c == _add_months(day, 1)
    assert row.d == _add_months(day, -14)
    assert row.e == stamp + datetime.timedelta(days=1, hours=2, minutes=3, seconds=4)
    assert row.f == datetime.datetime.combine(_add_months(day, 13), stamp.time())
    assert row.g == day - datetime.date(2000, 1, 1)
    assert row.h == day + datetime.timedelta(days=2)
    types = dict(df.dtypes)
    assert (types["a"], types["c"], types["e"], types["f"], types["g"], types["h"]) == (
        "date", "date", "timestamp", "timestamp", "interval day", "date")


def test_try_arithmetic_on_dates_and_intervals(utc_spark):
    df = utc_spark.sql("SELECT date'2015-09-30' AS d, INTERVAL 1 YEAR AS y, INTERVAL 2 YEAR AS z")
    row = df.select(F.try_add("d", F.lit(1)).alias("a"), F.try_subtract("d", "y").alias("b"),
                    F.try_add("y", "z").alias("c"), F.try_subtract("y", "z").alias("e")).first()
    assert row.a == datetime.date(2015, 10, 1)
    assert row.b == _add_months(datetime.date(2015, 9, 30), -12)
    assert (row.c, row.e) == (36, -12)
    names = df.select(F.try_add("d", F.lit(1))).columns
    assert names == ["try_add(d, 1)"]


def test_try_scaling_of_calendar_intervals(utc_spark):
    df = utc_spark.range(4).select(F.make_interval(F.col("id"), F.lit(3)).alias("i"), "id")
    rows = df.select(F.try_multiply("i", "id").alias("m"), F.try_divide("i", "id").alias("q"),
                     "id").collect()
    for row in rows:
        months = row.id * 12 + 3
        assert row.m[0] == months * row.id
        if row.id == 0:
            assert row.q is None
        else:  # whole months, the remainder spilled into 30-day months' days
            assert row.q[0] == int(months / row.id)
    with pytest.raises(ArithmeticException, match="INTERVAL_DIVIDED_BY_ZERO"):
        utc_spark.sql("SELECT INTERVAL 1 MONTH / 0").collect()


def test_try_make_interval_nulls_an_overflow(utc_spark):
    row = utc_spark.range(1).select(F.try_make_interval(F.lit(2**31 - 1)).alias("x")).first()
    assert row.x is None
    with pytest.raises(ArithmeticException, match="ARITHMETIC_OVERFLOW"):
        utc_spark.range(1).select(F.make_interval(F.lit(2**31 - 1))).collect()


def test_epoch_functions_round_trip(utc_spark):
    stamps = [datetime.datetime(1969, 12, 31, 23, 59, 59, 500000),
              datetime.datetime(2022, 10, 9, 11, 12, 13, 123456)]
    df = utc_spark.createDataFrame([(s,) for s in stamps], ["ts"])
    rows = df.select(F.unix_seconds("ts").alias("s"), F.unix_millis("ts").alias("ms"),
                     F.unix_micros("ts").alias("us"), F.unix_date(F.to_date("ts")).alias("d"),
                     F.timestamp_micros(F.unix_micros("ts")).alias("back")).collect()
    for stamp, row in zip(stamps, rows):
        micros = (stamp.replace(tzinfo=UTC) - datetime.datetime(1970, 1, 1, tzinfo=UTC)) // \
            datetime.timedelta(microseconds=1)
        assert (row.s, row.ms, row.us) == (micros // 1_000_000, micros // 1000, micros)
        assert row.d == (stamp.date() - datetime.date(1970, 1, 1)).days
        assert row.back == stamp


def test_zone_conversions_match_zoneinfo(utc_spark):
    wall = datetime.datetime(1997, 2, 28, 10, 30)
    df = utc_spark.createDataFrame([(wall, "Asia/Tokyo")], ["ts", "tz"])
    row = df.select(F.from_utc_timestamp("ts", "America/Los_Angeles").alias("a"),
                    F.to_utc_timestamp("ts", F.col("tz")).alias("b"),
                    F.convert_timezone(F.lit("Asia/Hong_Kong"), F.lit("Europe/Paris"),
                                       F.col("ts")).alias("c")).first()
    as_utc = wall.replace(tzinfo=UTC)
    assert row.a == as_utc.astimezone(ZoneInfo("America/Los_Angeles")).replace(tzinfo=None)
    assert row.b == wall.replace(tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC).replace(
        tzinfo=None)
    assert row.c == wall.replace(tzinfo=ZoneInfo("Asia/Hong_Kong")).astimezone(
        ZoneInfo("Europe/Paris")).replace(tzinfo=None)


def test_timestamp_add_and_diff_match_python(utc_spark):
    pairs = [(datetime.datetime(2016, 3, 11, 9, 0, 7), datetime.datetime(2024, 4, 2, 9, 0, 6)),
             (datetime.datetime(2020, 1, 31, 10), datetime.datetime(2020, 2, 29, 11)),
             (datetime.datetime(2021, 2, 28, 10), datetime.datetime(2020, 2, 29, 11))]
    df = utc_spark.createDataFrame(pairs, ["a", "b"])
    rows = df.select(*[F.timestamp_diff(u, "a", "b").alias(u) for u in
                       ("DAY", "HOUR", "SECOND", "MONTH", "YEAR")],
                     F.timestamp_add("MONTH", F.lit(13), "a").alias("plus")).collect()
    for (a, b), row in zip(pairs, rows):
        delta = b - a
        def whole(unit: datetime.timedelta, delta: datetime.timedelta = delta) -> int:
            return int(delta / unit)
        assert row.DAY == whole(datetime.timedelta(days=1))
        assert row.HOUR == whole(datetime.timedelta(hours=1))
        assert row.SECOND == whole(datetime.timedelta(seconds=1))
        months = _months_between(a, b)
        assert (row.MONTH, row.YEAR) == (months, int(months / 12))
        assert row.plus == datetime.datetime.combine(_add_months(a.date(), 13), a.time())


def _months_between(a: datetime.datetime, b: datetime.datetime) -> int:
    """Whole months from ``a`` to ``b`` as Java's ``ChronoUnit.MONTHS.between`` counts them:
    the month difference, less one when ``b``'s day and time come before ``a``'s."""
    months = (b.year - a.year) * 12 + b.month - a.month
    a_rest, b_rest = (a.day, a.time()), (b.day, b.time())
    if months > 0 and b_rest < a_rest:
        months -= 1
    elif months < 0 and b_rest > a_rest:
        months += 1
    return months


def test_next_day_extract_and_window(utc_spark):
    day = datetime.date(2015, 7, 27)
    row = utc_spark.createDataFrame([(day, datetime.datetime(2015, 4, 8, 13, 8, 15, 250000))],
                                    ["d", "ts"]).select(
        F.next_day("d", "Sun").alias("sun"), F.next_day("d", "mon").alias("mon"),
        F.extract(F.lit("S"), "ts").alias("s"), F.date_part(F.lit("week"), "ts").alias("w"),
        F.extract(F.lit("dow_iso"), "d").alias("dow")).first()
    weekday = day.weekday()
    assert row.sun == day + datetime.timedelta(days=(6 - weekday - 1) % 7 + 1)
    assert row.mon == day + datetime.timedelta(days=(0 - weekday - 1) % 7 + 1)
    assert float(row.s) == 15.25
    assert row.w == datetime.date(2015, 4, 8).isocalendar()[1]
    assert row.dow == day.isoweekday()
    stamps = [datetime.datetime(2016, 3, 11, 9, 0, s) for s in (1, 4, 7, 9, 12)]
    counted = utc_spark.createDataFrame([(s,) for s in stamps], ["ts"]).groupBy(
        F.window("ts", "5 seconds")).count().collect()
    expected: dict = {}
    for s in stamps:
        start = s.replace(second=s.second - s.second % 5)
        expected[start] = expected.get(start, 0) + 1
    assert {r.window.start: r["count"] for r in counted} == expected
    assert all(r.window.end - r.window.start == datetime.timedelta(seconds=5) for r in counted)


def test_parsing_variants(utc_spark):
    df = utc_spark.createDataFrame([("2015-04-08", "yyyy-MM-dd"), ("2025+01+09", "yyyy+MM+dd"),
                                    ("junk", "yyyy-MM-dd")], ["s", "fmt"])
    rows = df.select(F.try_to_date("s").alias("d"), F.try_to_timestamp("s", "fmt").alias("t"),
                     F.to_date(F.lit("1997-02-28 10:30:00")).alias("cut")).collect()
    assert [r.d for r in rows] == [datetime.date(2015, 4, 8), None, None]
    assert [r.t for r in rows] == [datetime.datetime(2015, 4, 8), datetime.datetime(2025, 1, 9),
                                   None]
    assert rows[0].cut == datetime.date(1997, 2, 28)


def test_make_timestamp_family(utc_spark):
    utc_spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
    df = utc_spark.createDataFrame([(2014, 12, 28, 6, 30, 45.887, "CET")],
                                   ["y", "mo", "d", "h", "mi", "s", "tz"])
    row = df.select(F.make_timestamp("y", "mo", "d", "h", "mi", "s", "tz").alias("z"),
                    F.make_timestamp_ntz("y", "mo", "d", "h", "mi", "s").alias("n"),
                    F.try_make_timestamp(F.lit(2014), F.lit(13), "d", "h", "mi", "s").alias("bad"),
                    F.current_timezone().alias("tzname")).first()
    wall = datetime.datetime(2014, 12, 28, 6, 30, 45, 887000)
    local = wall.replace(tzinfo=ZoneInfo("CET")).astimezone(ZoneInfo("America/Los_Angeles"))
    assert row.n == wall and row.bad is None and row.tzname == "America/Los_Angeles"
    # collect() gives the instant as a naive datetime in the process's local zone
    assert row.z.astimezone(UTC) == local.astimezone(UTC)


def test_calendar_days_of_a_leap_year(utc_spark):
    """date + n and date - n agree with ``datetime`` over a whole leap year."""
    days = list(range(0, 366, 7))
    df = utc_spark.createDataFrame([(datetime.date(2024, 1, 1), n) for n in days], ["d", "n"])
    rows = df.select(F.date_add("d", "n").alias("a"), F.add_months("d", F.col("n") % 13)
                     .alias("m"), "n").collect()
    for row in rows:
        assert row.a == datetime.date(2024, 1, 1) + datetime.timedelta(days=row.n)
        months = row.n % 13
        year, month = 2024 + months // 12, months % 12 + 1
        assert row.m == datetime.date(year, month, min(1, calendar.monthrange(year, month)[1]))


def test_times_of_day_match_python(utc_spark):
    texts = ["13:08:15", "00:00:00.5", "23:59:59.999999"]
    df = utc_spark.createDataFrame([(t,) for t in texts], ["s"]).select(
        F.to_time("s").alias("t"))
    rows = df.select("t", F.time_to_micros("t").alias("us"), F.time_to_millis("t").alias("ms"),
                     F.time_trunc(F.lit("MINUTE"), "t").alias("m"),
                     F.time_diff(F.lit("SECOND"), F.lit("00:00:00").cast("time"), "t")
                     .alias("sec"), F.time_from_micros(F.time_to_micros("t")).alias("back"),
                     F.make_time(F.hour("t"), F.minute("t"), F.lit(1.5)).alias("made")).collect()
    for text, row in zip(texts, rows):
        value = datetime.time.fromisoformat(text)
        micros = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + \
            value.microsecond
        assert row.t == value and row.back == value
        assert (row.us, row.ms, row.sec) == (micros, micros // 1000, micros // 1_000_000)
        assert row.m == value.replace(second=0, microsecond=0)
        assert row.made == value.replace(second=1, microsecond=500000)
    bad = utc_spark.createDataFrame([("junk",)], ["s"]).select(F.try_to_time("s")).first()[0]
    assert bad is None


def test_time_bucket_floors_from_the_origin(utc_spark):
    stamps = [datetime.datetime(2024, 1, 1, 11, 27), datetime.datetime(1969, 12, 31, 23, 58)]
    df = utc_spark.createDataFrame([(s,) for s in stamps], ["ts"])
    rows = df.select(F.time_bucket(F.expr("INTERVAL '15' MINUTE"), "ts").alias("b"),
                     F.time_bucket(F.expr("INTERVAL '15' MINUTE"), "ts",
                                   F.expr("TIMESTAMP '1970-01-01 00:05:00'")).alias("o")
                     ).collect()
    width = datetime.timedelta(minutes=15)
    for stamp, row in zip(stamps, rows):
        for got, origin in ((row.b, datetime.datetime(1970, 1, 1)),
                            (row.o, datetime.datetime(1970, 1, 1, 0, 5))):
            assert got == origin + ((stamp - origin) // width) * width


def test_session_windows_match_a_python_sessionizer(utc_spark):
    base = datetime.datetime(2016, 3, 11, 9, 0)
    events = [("a", 0), ("a", 3), ("a", 7), ("a", 20), ("b", 4), ("b", 30), ("b", 33),
              ("a", None)]
    rows = [(k, None if s is None else base + datetime.timedelta(seconds=s), 1)
            for k, s in events]
    df = utc_spark.createDataFrame(rows, "k string, ts timestamp, v int")
    got = df.groupBy("k", F.session_window("ts", "5 seconds")).agg(F.sum("v").alias("n"))
    gap = datetime.timedelta(seconds=5)
    expected = []
    for key in ("a", "b"):
        times = sorted(t for k, t, _ in rows if k == key and t is not None)
        start, end, count = times[0], times[0] + gap, 1
        for t in times[1:]:
            if t < end:
                end, count = max(end, t + gap), count + 1
            else:
                expected.append((key, start, end, count))
                start, end, count = t, t + gap, 1
        expected.append((key, start, end, count))
    assert sorted((r.k, r.session_window.start, r.session_window.end, r.n)
                  for r in got.collect()) == sorted(expected)
    assert got.columns == ["k", "session_window", "n"]
