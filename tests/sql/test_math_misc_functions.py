"""Math, bitwise and miscellaneous functions: values, result types, names and errors.

Expectations are computed in plain Python (``decimal``, ``math``, ``hmac``), or are the
values PySpark 4.3 itself returned for the same queries (hashes and seeded random values,
which no Python library reproduces), noted as such.
"""
from __future__ import annotations

import decimal
import getpass
import hashlib
import hmac
import math
import re

import numpy as np
import pytest

from minispark.errors import (
    AnalysisException, ArithmeticException, IllegalArgumentException, SparkRuntimeException,
)
from minispark.sql import functions as F


def one_row(spark, sql: str) -> list:
    return list(spark.sql(sql).collect()[0])


# ---- logarithms and exponentials ---------------------------------------------------------


def test_exp_and_logarithms_agree_with_libm(spark):
    # Spark computes these with java.lang.StrictMath; minispark with the C library, which can
    # differ in the last bit (exp(1) is 2.718281828459045 here, 2.7182818284590455 in Spark).
    row = one_row(spark, "SELECT exp(1), cosh(1), ln(3), log2(9), log10(2), log(10, 1000)")
    want = [math.exp(1), math.cosh(1), math.log(3), math.log(9) / math.log(2),
            math.log10(2), math.log(1000) / math.log(10)]
    assert all(math.isclose(g, w, rel_tol=1e-15) for g, w in zip(row, want))


def test_logarithms_null_outside_domain_and_nan_stays_nan(spark):
    row = one_row(spark, "SELECT log(-1), ln(0), log10(0D), log2(-2D), log(0.5, 0), "
                         "log10(cast('NaN' as double)), log(1, 2)")
    assert row[:5] == [None] * 5
    assert math.isnan(row[5]) and row[6] == math.inf


def test_log_names(spark):
    df = spark.createDataFrame([(4,)], ["value"])
    assert df.select(F.log(2.0, df.value), F.log(df.value), F.log2("value")).columns == [
        "LOG(2.0, value)", "ln(value)", "LOG2(value)"]
    assert spark.sql("SELECT log(10), log2(4), sign(1)").columns == [
        "LOG(E(), 10)", "LOG2(4)", "sign(1)"]


# ---- ceil / floor with a scale ------------------------------------------------------------


@pytest.mark.parametrize("value,scale", [(-0.1, 1), (2.1267, 2), (35.0, -1), (-2.5, 0),
                                         (123.456, 1)])
def test_ceil_floor_to_scale(spark, value, scale):
    df = spark.createDataFrame([(value,)], ["v"])
    row = df.select(F.ceil("v", scale), F.floor("v", scale)).collect()[0]
    quantum = decimal.Decimal(1).scaleb(-max(scale, 0))
    exact = decimal.Decimal(repr(value))
    for got, rounding in zip(row, (decimal.ROUND_CEILING, decimal.ROUND_FLOOR)):
        if scale >= 0:
            want = exact.quantize(quantum, rounding=rounding)
        else:
            step = decimal.Decimal(10) ** -scale
            want = (exact / step).quantize(1, rounding=rounding) * step
        assert got == want


def test_ceil_floor_result_types_and_names(spark):
    # Types PySpark 4.3 reported: the value becomes a decimal, the scale bounded by its own.
    df = spark.sql("SELECT ceil(-0.1D, 1), floor(cast(1.25 as decimal(5,2)), 3), "
                   "ceil(cast(35 as int), -1), ceil(2.5D), floor(cast(1.5 as decimal(5,2)))")
    assert [f.dataType.simpleString() for f in df.schema.fields] == [
        "decimal(17,1)", "decimal(6,2)", "decimal(11,0)", "bigint", "decimal(4,0)"]
    assert one_row(spark, "SELECT ceil(cast(5 as tinyint), -5)") == [decimal.Decimal(100000)]
    names = spark.range(1).select(F.ceil(F.lit(-0.1)), F.ceil(F.lit(-0.1), 1),
                                  F.ceiling(F.lit(-0.1), 1)).columns
    assert names == ["CEIL(-0.1)", "ceil(-0.1, 1)", "ceiling(-0.1, 1)"]


# ---- bits and bases -----------------------------------------------------------------------


def test_bit_get(spark):
    values = [0, 1, 5, -1, 2 ** 40 + 3, -(2 ** 62)]
    df = spark.createDataFrame([(v,) for v in values], "v bigint")
    for pos in (0, 1, 2, 40, 63):
        got = [r[0] for r in df.select(F.bit_get("v", F.lit(pos))).collect()]
        assert got == [(v >> pos) & 1 for v in values]


def test_bit_get_position_out_of_range(spark):
    with pytest.raises(IllegalArgumentException, match=r"\[0, 32\), but got 32"):
        spark.sql("SELECT getbit(11, 32)").collect()
    with pytest.raises(IllegalArgumentException, match="BIT_POSITION_RANGE"):
        spark.sql("SELECT bit_get(cast(1 as tinyint), -1)").collect()


def test_bin(spark):
    values = [0, 1, 5, 1023, -1, -(2 ** 63), 2 ** 63 - 1, None]
    df = spark.createDataFrame([(v,) for v in values], "v bigint")
    got = [r[0] for r in df.select(F.bin("v")).collect()]
    assert got == [None if v is None else format(v & (2 ** 64 - 1), "b") for v in values]
    assert one_row(spark, "SELECT bin(2.7D)") == ["10"]


def _to_base(value: int, base: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        value, d = divmod(value, base)
        out = digits[d] + out
        if not value:
            return out


@pytest.mark.parametrize("text,src,dst", [("ff", 16, 10), ("zz", 36, 2), ("100", 2, 10),
                                          ("-1", 10, 16), ("-10", 16, -10), ("12abc", 10, 16)])
def test_conv(spark, text, src, dst):
    digits = re.match(r"-?[0-9a-z]*", text).group(0)
    valid = ""
    for ch in digits.lstrip("-"):
        if int(ch, 36) >= src:
            break
        valid += ch
    value = int(valid or "0", src) * (-1 if text.startswith("-") else 1)
    value &= 2 ** 64 - 1
    if dst < 0 and value >= 2 ** 63:
        want = "-" + _to_base(2 ** 64 - value, -dst)
    else:
        want = _to_base(value, abs(dst))
    df = spark.createDataFrame([(text,)], ["n"])
    assert df.select(F.conv("n", src, dst)).collect()[0][0] == want


def test_conv_overflow_and_invalid_bases(spark):
    with pytest.raises(ArithmeticException, match="Overflow in function conv"):
        spark.sql("SELECT conv('18446744073709551616', 10, 16)").collect()
    assert one_row(spark, "SELECT conv('10', 1, 10), conv('10', 10, 37), conv('', 10, 2)") == [
        None, None, None]


def test_width_bucket(spark):
    rows = [(5.3, 0.2, 10.6, 5), (-2.1, 1.3, 3.4, 3), (8.1, 0.0, 5.7, 4), (-0.9, 5.2, 0.5, 2),
            (3.0, 10.0, 0.0, 5), (1.0, 1.0, 1.0, 3), (1.0, 0.0, 2.0, 0)]

    def bucket(v, lo, hi, n):
        if n <= 0 or lo == hi:
            return None
        if lo < hi:
            return 0 if v < lo else n + 1 if v >= hi else math.floor(n * (v - lo) / (hi - lo)) + 1
        return 0 if v > lo else n + 1 if v <= hi else math.floor(n * (lo - v) / (lo - hi)) + 1

    df = spark.createDataFrame(rows, ["v", "lo", "hi", "n"])
    got = [r[0] for r in df.select(F.width_bucket("v", "lo", "hi", "n")).collect()]
    assert got == [bucket(*r) for r in rows]


def test_try_mod(spark):
    pairs = [(7, 2), (-7, 2), (7, -2), (7, 0), (None, 3), (-2147483648, -1)]
    df = spark.createDataFrame(pairs, "a int, b int")
    got = [r[0] for r in df.select(F.try_mod("a", "b")).collect()]
    assert got == [None if a is None or b in (None, 0) else int(math.fmod(a, b))
                   for a, b in pairs]
    row = one_row(spark, "SELECT try_mod(7.5D, 2), try_mod(7.5D, 0D), "
                         "try_mod(cast(7.5 as decimal(5,2)), 2)")
    assert row == [1.5, None, decimal.Decimal("1.50")]


# ---- hashes -------------------------------------------------------------------------------


def test_hash_and_xxhash64_match_spark(spark):
    # Values PySpark 4.3 returned for these literals.
    assert one_row(spark, "SELECT hash(1), hash(cast(1 as bigint)), hash(true), hash(-0.0D), "
                          "hash('ABC'), hash('é'), hash(X'FFFEFDFC01'), hash(date'2020-01-01'), "
                          "hash(cast(-1.25 as decimal(5,2))), "
                          "hash(cast(-12345678901234567890.5 as decimal(38,1))), "
                          "hash(array(1, null)), hash(struct(1, 'a')), hash(1, null, 2)") == [
        -559580957, -1712319331, -559580957, -1670924195, -757602832, 2119106806, 1333702423,
        -725858435, -550551638, -777928638, -559580957, -936062819, -222940379]
    assert one_row(spark, "SELECT xxhash64(1), xxhash64(1.5D), xxhash64('ABC'), "
                          "xxhash64(repeat('abc', 100)), xxhash64(repeat('xyz', 11)), "
                          "xxhash64(cast(-1 as decimal(25,0))), xxhash64(array(1, 2, 3)), "
                          "xxhash64(cast(null as int))") == [
        -6698625589789238999, 7738255526519901366, 4105715581806190027, -3264151779672532865,
        2291566788167700035, -4006032525457443936, 8592097078962733837, 42]


def test_hash_rows_with_nulls_and_star(spark):
    # Values PySpark 4.3 returned, row by row.
    df = spark.createDataFrame([(1, "x"), (None, "y"), (3, None), (None, None), (-5, "")],
                               "a int, b string")
    got = df.select(F.hash("*"), F.xxhash64("a", df.b)).collect()
    assert [tuple(r) for r in got] == [
        (-1305545736, 8510603489595372987), (1475214315, -2901346384480684965),
        (-1823081949, 6258084186791473711), (42, 42), (2059128536, -8669504857336872248)]
    assert df.select(F.hash("*")).columns == ["hash(a, b)"]


def test_hash_rejects_maps(spark):
    with pytest.raises(AnalysisException, match="HASH_MAP_TYPE"):
        spark.sql("SELECT hash(map(1, 2))").collect()


# ---- seeded randomness ----------------------------------------------------------------------


def test_uniform_and_uuid_follow_spark_per_partition(spark):
    # Values PySpark 4.3 returned for range(0, 12, 1, 2) (partition 1 seeds with seed + 1).
    rows = spark.range(0, 12, 1, 2).select(F.uniform(5, 105, 3), F.uuid(123)).collect()
    assert [r[0] for r in rows] == [30, 71, 99, 77, 16, 25, 100, 11, 19, 47, 5, 53]
    assert rows[0][1] == "4c99192d-23d6-4d88-b814-a634398120f0"
    assert rows[6][1] == "a4ab25b4-940b-45c0-96fa-bc7a0760ff0d"


def test_uniform_types_and_bounds(spark):
    df = spark.range(0, 200, 1, 3).select(F.uniform(-10, 10, 42).alias("i"),
                                          F.uniform(0.5, 1.5, 7).alias("d"))
    assert [f.dataType.simpleString() for f in df.schema.fields] == ["int", "double"]
    rows = df.collect()
    assert all(-10 <= r.i < 10 and 0.5 <= r.d < 1.5 for r in rows)
    assert rows == df.collect()  # a seed makes it repeatable


def test_uuid_without_seed_is_random_v4(spark):
    values = [r[0] for r in spark.range(50).select(F.uuid()).collect()]
    assert len(set(values)) == 50
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            v) for v in values)


# ---- assertions, equal_null, session facts, hmac --------------------------------------------


def test_assert_true_and_raise_error(spark):
    df = spark.createDataFrame([(0, 1)], ["a", "b"])
    ok = df.select(F.assert_true(df.a < df.b))
    assert ok.columns == ["assert_true((a < b), '(a < b)' is not true!)"]
    assert ok.collect()[0][0] is None
    with pytest.raises(SparkRuntimeException, match=r"USER_RAISED_EXCEPTION\] '\(a > b\)' is"):
        df.select(F.assert_true(df.a > df.b)).collect()
    with pytest.raises(SparkRuntimeException, match="My error msg") as error:
        df.select(F.raise_error("My error msg")).collect()
    assert error.value.getCondition() == "USER_RAISED_EXCEPTION"
    assert error.value.getSqlState() == "P0001"


def test_equal_null(spark):
    pairs = [(None, None), (1, 9), (1, None), (2, 2)]
    df = spark.createDataFrame(pairs, "a int, b int")
    got = [r[0] for r in df.select(F.equal_null("a", "b")).collect()]
    assert got == [a == b for a, b in pairs]


def test_session_facts(spark):
    row = spark.range(1).select(F.current_catalog(), F.current_database(), F.current_schema(),
                                F.current_user(), F.user(), F.session_user(), F.version())
    assert row.columns[:3] == ["current_catalog()", "current_schema()", "current_schema()"]
    values = row.collect()[0]
    assert list(values[:6]) == ["spark_catalog", "default", "default"] + [getpass.getuser()] * 3
    assert re.fullmatch(r"\S+ [0-9a-f]{40}", values[6])


@pytest.mark.parametrize("algorithm", [None, "SHA-1", "md5", "SHA-512"])
def test_hmac(spark, algorithm):
    df = spark.createDataFrame([("key", "message")], ["k", "m"])
    args = [df.k, df.m] + ([F.lit(algorithm)] if algorithm else [])
    digest = (algorithm or "SHA-256").replace("-", "").lower()
    assert df.select(F.hmac(*args)).collect()[0][0] == hmac.new(b"key", b"message",
                                                                 getattr(hashlib, digest)).digest()


def test_hmac_unknown_algorithm(spark):
    with pytest.raises(SparkRuntimeException, match="HMAC_ALGORITHM"):
        spark.sql("SELECT hmac('k', 'm', 'foo')").collect()


# ---- float vectors --------------------------------------------------------------------------


def test_vector_functions(spark):
    pairs = [([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]), ([3.0, -4.0], [0.5, 2.0]), (None, [1.0])]
    df = spark.createDataFrame(pairs, "a array<float>, b array<float>")
    rows = df.select(F.vector_cosine_similarity("a", "b"), F.vector_inner_product("a", "b"),
                     F.vector_l2_distance("a", "b"), F.vector_norm("a"),
                     F.vector_norm("a", F.lit(1.0).cast("float")), F.vector_normalize("a")
                     ).collect()
    for (a, b), row in zip(pairs, rows):
        if a is None:
            assert list(row) == [None] * 6
            continue
        x, y = np.array(a), np.array(b)
        want = [x @ y / np.linalg.norm(x) / np.linalg.norm(y), x @ y, np.linalg.norm(x - y),
                np.linalg.norm(x), np.abs(x).sum()]
        assert list(row[:5]) == pytest.approx(want, rel=1e-6)
        assert row[5] == pytest.approx(list(x / np.linalg.norm(x)), rel=1e-6)


def test_vector_errors(spark):
    with pytest.raises(SparkRuntimeException, match="VECTOR_DIMENSION_MISMATCH"):
        spark.sql("SELECT vector_inner_product(array(1.0F), array(1.0F, 2.0F))").collect()
    with pytest.raises(SparkRuntimeException, match="INVALID_VECTOR_NORM_DEGREE"):
        spark.sql("SELECT vector_norm(array(3.0F), 3.0F)").collect()
    with pytest.raises(AnalysisException, match='requires the "ARRAY<FLOAT>" type'):
        spark.sql("SELECT vector_l2_distance(array(1, 2), array(3, 4))").collect()


# ---- AES ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key_bytes,expected", [
    (16, "69c4e0d86a7b0430d8cdb78070b4c55a"),  # FIPS-197 appendix C.1
    (24, "dda97ca4864cdfe06eaf70a0ec0d7191"),  # C.2
    (32, "8ea2b7ca516745bfeafc49904b496089"),  # C.3
])
def test_aes_block_cipher_fips197(key_bytes, expected):
    from minispark.sql.builtins.aes import encrypt_block

    block = bytes.fromhex("00112233445566778899aabbccddeeff")
    assert encrypt_block(block, bytes(range(key_bytes))).hex() == expected


def test_aes_gcm_published_vector(spark):
    # McGrew & Viega's GCM test case 2 (zero key, IV and block): ciphertext, then the tag.
    row = one_row(spark, "SELECT hex(aes_encrypt(unhex('00000000000000000000000000000000'), "
                         "unhex('00000000000000000000000000000000'), 'GCM', 'DEFAULT', "
                         "unhex('000000000000000000000000')))")
    assert row[0] == ("00" * 12 + "0388dace60b6a392f328c2b971b2fe78"
                      "ab6e47d42cec13bdf53a67b21257bddf").upper()


@pytest.mark.parametrize("mode", ["ECB", "CBC", "GCM"])
def test_aes_round_trip(spark, mode):
    df = spark.createDataFrame([("Spark SQL", "abcdefghijklmnop12345678"), ("", "0" * 32)],
                               ["input", "key"])
    back = df.select(F.aes_decrypt(F.aes_encrypt("input", "key", F.lit(mode)), "key",
                                   F.lit(mode)).cast("string")).collect()
    assert [r[0] for r in back] == ["Spark SQL", ""]


def test_aes_errors(spark):
    with pytest.raises(SparkRuntimeException, match="AES_KEY_LENGTH"):
        spark.sql("SELECT aes_encrypt('x', 'short')").collect()
    with pytest.raises(SparkRuntimeException, match="AES_CRYPTO_ERROR"):
        spark.sql("SELECT aes_decrypt(unhex('00112233'), '0000111122223333')").collect()
    assert one_row(spark, "SELECT try_aes_decrypt(unhex('00112233'), '0000111122223333')") == [
        None]


def test_seeded_sequences_continue_across_batches(spark):
    from minispark.sql.builtins.spark_random import XORShiftRandom, uuids

    rows = spark.range(0, 30000, 1, 1).select(F.uuid(7), F.uniform(0.0, 1.0, 7)).collect()
    assert [r[0] for r in rows] == uuids(7, 30000)
    generator = XORShiftRandom(7)
    assert [r[1] for r in rows] == [generator.next_double() for _ in rows]
