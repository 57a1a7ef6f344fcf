"""The SQL dialect minispark reads: sqlglot's Spark dialect, with two changes.

Function calls stay calls of their written name (``instr(s, 'a')`` is not
rewritten into another function with other arguments), so the function
registry resolves them exactly as the DataFrame API does; and a typed numeric
literal (``1L``, ``1.5D``, ``2BD``) stays one literal token, so it is named
``1`` like in Spark rather than ``CAST(1 AS BIGINT)``.
"""
from __future__ import annotations

from sqlglot.dialects.spark import Spark
from sqlglot.tokens import Token, TokenType


class MiniSpark(Spark):
    class Tokenizer(Spark.Tokenizer):
        def tokenize(self, sql: str) -> list[Token]:
            tokens = super().tokenize(sql)
            out: list[Token] = []
            i = 0
            while i < len(tokens):
                token = tokens[i]
                if (token.token_type == TokenType.NUMBER and i + 2 < len(tokens)
                        and tokens[i + 1].token_type == TokenType.DCOLON
                        and tokens[i + 1].start == token.start):
                    suffix = tokens[i + 2].text
                    out.append(Token(TokenType.NUMBER, token.text + suffix, token.line,
                                     token.col, token.start, token.end, token.comments))
                    i += 3
                    continue
                out.append(token)
                i += 1
            return out

    class Parser(Spark.Parser):
        FUNCTIONS: dict = {}
