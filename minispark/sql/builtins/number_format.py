"""Spark's number formats: ``to_char``/``to_varchar`` write numbers, ``to_number`` reads them.

A format is made of digit positions ``0``/``9``, grouping ``,``/``G``, one decimal point
``.``/``D``, a currency ``$`` and a sign: ``S`` (first or last), ``MI`` (first or last) or
``PR`` (last, ``<12>`` for negatives).  It is parsed once, at analysis, into a
:class:`NumberFormat`; ``to_number``'s result type depends on it (``'$99.99'`` reads
``DECIMAL(4,2)``).

>>> NumberFormat.parse("$99.99").write(decimal.Decimal("78.12"))
'$78.12'
>>> NumberFormat.parse("999").read("12")
Decimal('12')
"""
from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from typing import Any, Callable

import pyarrow as pa

from minispark.errors import AnalysisException, IllegalArgumentException
from minispark.sql.builtins.registry import scalar
from minispark.sql.builtins.support import rowwise
from minispark.sql.plan.expressions import Expression, Literal
from minispark.sql.plan.typecoercion import is_numeric
from minispark.sql.types import DataType, DecimalType, StringType, to_arrow_type

_TOKEN = re.compile(r"MI|PR|[09,G.D$S]", re.I)


def _invalid_format(fmt: str, detail: str) -> AnalysisException:
    kind = "CUR_MUST_BEFORE_DIGIT" if "Currency" in detail else "UNEXPECTED_TOKEN"
    return AnalysisException(f"INVALID_FORMAT.{kind}", f"The format is invalid: '{fmt}'. {detail}",
                             {"format": f"'{fmt}'"}, "42601")


@dataclass(frozen=True)
class NumberFormat:
    """A parsed number format: the integer and fraction layouts and where the sign goes."""

    text: str
    whole: str        # integer positions, e.g. "9,999" ("," for grouping)
    fraction: str     # fraction positions ("" without a decimal point)
    point: bool
    currency: str     # "" or "$" (only before the digits)
    sign: str         # "", "S", "MI" or "PR"
    sign_first: bool

    @staticmethod
    def parse(fmt: str) -> "NumberFormat":
        tokens = _TOKEN.findall(fmt)
        if "".join(tokens).upper() != fmt.upper() or not fmt:
            raise _invalid_format(fmt, "The format has characters Spark does not read.")
        upper = [t.upper() for t in tokens]
        signs = [i for i, t in enumerate(upper) if t in ("S", "MI", "PR")]
        if len(signs) > 1 or (signs and signs[0] not in (0, len(upper) - 1)) or (
                signs and upper[signs[0]] == "PR" and signs[0] != len(upper) - 1):
            raise _invalid_format(fmt, "The sign must come first or last, once.")
        sign = upper[signs[0]] if signs else ""
        body = [t for i, t in enumerate(upper) if i not in signs]
        if body.count("$") > 1 or ("$" in body and body.index("$") != 0):
            raise _invalid_format(fmt, "Currency characters must appear before digits in the "
                                       "number format.")
        digits = "".join("." if t == "D" else "," if t == "G" else t for t in body if t != "$")
        if digits.count(".") > 1 or not any(c in "09" for c in digits):
            raise _invalid_format(fmt, "The format needs digit positions and one point at most.")
        whole, point, fraction = digits.partition(".")
        return NumberFormat(fmt, whole, fraction, bool(point), "$" if "$" in body else "",
                            sign, bool(signs) and signs[0] == 0)

    @property
    def precision(self) -> int:
        return max(sum(c in "09" for c in self.whole + self.fraction), 1)

    @property
    def scale(self) -> int:
        return len(self.fraction)

    # ---- reading ------------------------------------------------------------------------------

    def read(self, text: str) -> decimal.Decimal | None:
        """The number ``text`` spells in this format, or None when it does not match."""
        body, negative = text.strip(), False
        if self.sign == "PR" and body.startswith("<") and body.endswith(">"):
            body, negative = body[1:-1], True
        elif self.sign in ("S", "MI"):
            body, negative = self._strip_sign(body)
        if self.currency:
            if not body.startswith("$"):
                return None
            body = body[1:]
        match = re.fullmatch(r"([0-9,]*)(?:\.([0-9]*))?", body)
        if match is None or (match.group(2) is not None and not self.point):
            return None
        whole = match.group(1).replace(",", "")
        fraction = match.group(2) or ""
        positions = self.precision - self.scale
        if not whole + fraction or len(whole) > positions or len(fraction) > self.scale:
            return None
        if self.whole.startswith("0") and len(whole) != positions:
            return None  # a leading 0 asks for exactly as many digits
        value = decimal.Decimal(f"{whole or '0'}.{fraction or '0'}")
        value = value.quantize(decimal.Decimal(1).scaleb(-self.scale))
        return -value if negative else value

    def _strip_sign(self, body: str) -> tuple[str, bool]:
        marks = "+-" if self.sign == "S" else "-"
        if self.sign_first and body[:1] in marks:
            return body[1:], body[0] == "-"
        if not self.sign_first and body[-1:] in marks:
            return body[:-1], body[-1] == "-"
        return body, False

    # ---- writing ------------------------------------------------------------------------------

    def write(self, value: decimal.Decimal) -> str:
        """``value`` laid out in this format (``#`` in every position when it does not fit).

        Spark does not round: more fraction digits than the format has also overflow.
        """
        whole_digits, _, fraction_digits = f"{abs(value):f}".partition(".")
        fraction_digits = fraction_digits.rstrip("0")
        whole_digits = whole_digits.lstrip("0") or ("0" if self.whole.endswith("9") or
                                                    not self.whole else "")
        positions = sum(c in "09" for c in self.whole)
        if len(whole_digits) > positions or len(fraction_digits) > self.scale:
            return self._overflow(value < 0)
        whole = self._lay_whole(whole_digits)
        number = whole + ("." + fraction_digits.ljust(self.scale, "0") if self.point else "")
        return self._with_sign(number, value < 0)

    def _lay_whole(self, digits: str) -> str:
        """Digits right-aligned in the positions: ``0`` pads with zeros, ``9`` with spaces;
        a grouping comma shows only after a printed character."""
        slots = [c for c in self.whole if c != ","]
        filled = [" " if c == "9" else "0" for c in slots[:len(slots) - len(digits)]]
        filled += list(digits)
        out, i = [], 0
        for ch in self.whole:
            if ch == ",":
                out.append("," if out and out[-1] != " " else " ")
            else:
                out.append(filled[i])
                i += 1
        return "".join(out)

    def _with_sign(self, number: str, negative: bool) -> str:
        pad = len(number) - len(number.lstrip(" "))
        digits = number[pad:]
        if self.sign == "S":
            digits = ("-" if negative else "+") + digits if self.sign_first else \
                digits + ("-" if negative else "+")
        elif self.sign == "MI":
            digits = ("-" if negative else " ") + digits if self.sign_first else \
                digits + ("-" if negative else " ")
        elif self.sign == "PR":
            digits = f"<{digits}>" if negative else f"{digits}  "
        if self.currency:
            return "$" + " " * pad + digits
        return " " * pad + digits

    def _overflow(self, negative: bool) -> str:
        hashes = self.whole.replace("0", "#").replace("9", "#")
        return self._with_sign(hashes + ("." + "#" * self.scale if self.point else ""), negative)


def _format_option(args: list[Expression]) -> tuple:
    """The parsed format: it must be a constant, as in Spark."""
    fmt = args[1]
    if not isinstance(fmt, Literal) or not isinstance(fmt.value, str):
        if isinstance(fmt, Literal) and fmt.value is None:
            return (None,)
        raise AnalysisException(
            "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
            f"Cannot resolve the call due to data type mismatch: the input `format` should be "
            f"a foldable \"STRING\" expression; however, got {fmt.sql()}.", {}, "42K09")
    if not is_numeric(args[0].data_type) and args[0].data_type != StringType():
        return (fmt.value,)  # dates and binary take a pattern, not a number format
    return (NumberFormat.parse(fmt.value),)


def _decimal_type(arg_types: list[DataType], options: tuple) -> DataType:
    fmt = options[0] if options else None
    if isinstance(fmt, NumberFormat):
        return DecimalType(fmt.precision, fmt.scale)
    return DecimalType(38, 18)


def _reader(safe: bool) -> Callable[..., Any]:
    def kernel(s: Any, fmt_text: Any, fmt: NumberFormat | None) -> Any:
        out_type = to_arrow_type(_decimal_type([], (fmt,)))
        if fmt is None:
            return rowwise(lambda *_: None, out_type, s)

        def read(text: str) -> decimal.Decimal | None:
            value = fmt.read(text)
            if value is None and not safe:
                raise IllegalArgumentException(
                    "INVALID_FORMAT.MISMATCH_INPUT",
                    f"The format is invalid: {fmt.text}. The input \"STRING\" {text} does not "
                    "match the format.", {"inputType": '"STRING"', "input": text,
                                          "format": fmt.text}, "42601")
            return value
        return rowwise(read, out_type, s)
    return kernel


scalar("to_number", ["string", "string"], _decimal_type, options_from_args=_format_option)(
    _reader(False))
scalar("try_to_number", ["string", "string"], _decimal_type, options_from_args=_format_option,
       always_nullable=True)(_reader(True))


def _write(values: Any, fmt_text: Any, fmt: Any, tz: str = "UTC") -> Any:
    """``to_char``: numbers by a number format, dates by a pattern, binary by an encoding."""
    if isinstance(fmt, NumberFormat):
        return rowwise(lambda v: fmt.write(decimal.Decimal(str(v))), pa.string(), values)
    kind = values.type
    if pa.types.is_binary(kind):
        from minispark.sql.builtins.json import base64, hex_

        encoders = {"hex": hex_, "base64": base64,
                    "utf-8": lambda v: rowwise(lambda b: b.decode("utf-8", "replace"),
                                               pa.string(), v)}
        name = (fmt or "").lower().replace("utf8", "utf-8")
        if name not in encoders:
            raise AnalysisException(
                "INVALID_PARAMETER_VALUE.BINARY_FORMAT",
                f"The value of parameter(s) `format` in `to_char` is invalid: expects one of "
                f"binary formats 'base64', 'hex', 'utf-8', but got '{fmt}'.", {}, "22023")
        return encoders[name](values)
    from minispark.sql.builtins.datetime import date_format

    return date_format(values, pa.scalar(fmt, pa.string()), tz)


for _name in ("to_char", "to_varchar"):
    scalar(_name, ["any", "string"], StringType(), options_from_args=_format_option,
           timezone=True)(_write)
