"""A small, safe condition language over table columns: `normed_distance > 0 and heading_cos > 0`.

Researchers select *choices* ("drop the stay-put cells, renormalise, score the rest") and
*decisions* by writing a condition on the command line. User text is never handed to
`eval`: it is tokenised and parsed here by a recursive-descent parser that knows only
numbers, column names, arithmetic, comparisons and boolean connectives, so anything else
(a function call, an attribute, an import) is a one-line error, and so is a column the
table does not have.

Grammar (lowest precedence first):

    condition  := conjunct (("or" | "|") conjunct)*
    conjunct   := negation (("and" | "&") negation)*
    negation   := ("not" | "~") negation | comparison
    comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum        := product (("+" | "-") product)*
    product    := power (("*" | "/") power)*
    power      := unary ("^" unary)?
    unary      := "-" unary | NUMBER | COLUMN | FUNCTION "(" condition ")" | "(" condition ")"

FUNCTION is one of log, exp, sqrt, abs. The same parser reads feature expressions
(`compile_expression`: `log(npp)`, `ndvi^2`, `ndvi*slope`), which must give numbers.
"""
from __future__ import annotations

import operator
import re
from typing import Callable, Mapping

import numpy as np

from tflab.errors import UserError

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                    r"|(?P<op><=|>=|==|!=|[<>+\-*/^()&|~]))")
_KEYWORDS = {"and": "&", "or": "|", "not": "~"}
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul,
               "/": operator.truediv, "^": np.power}
FUNCTIONS = {"log": np.log, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs}

Node = Callable[[Mapping[str, np.ndarray]], np.ndarray]


def tokenize(text: str, what: str) -> list[tuple[str, str, int]]:
    """(kind, value, position) tokens; any character outside the language is an error."""
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            bad = text[position:].lstrip()[:1]
            raise UserError(f"{what}: unexpected character {bad!r} at position "
                            f"{len(text) - len(text[position:].lstrip())}; the language has "
                            f"column names, numbers, + - * /, comparisons and and/or/not")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "name" and value in _KEYWORDS:
            kind, value = "op", _KEYWORDS[value]
        tokens.append((kind, value, match.start(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, columns: set[str], what: str):
        self.text, self.columns, self.what = text, columns, what
        self.tokens = tokenize(text, what)
        self.at = 0

    # -- helpers -----------------------------------------------------------------------
    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        if self.at >= len(self.tokens):
            raise UserError(f"{self.what}: {self.text!r} ends too early; complete the "
                            f"condition (e.g. normed_distance > 0)")
        token = self.tokens[self.at]
        self.at += 1
        return token

    def fail(self, token: tuple[str, str, int], expected: str) -> None:
        raise UserError(f"{self.what}: unexpected {token[1]!r} at position {token[2]} of "
                        f"{self.text!r}; expected {expected}")

    # -- grammar -----------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.condition()
        if self.at < len(self.tokens):
            self.fail(self.tokens[self.at], "and/or or the end of the condition")
        return node

    def _chain(self, symbol: str, inner: Callable[[], Node], combine) -> Node:
        node = inner()
        while self.peek() == symbol:
            self.take()
            left, right = node, inner()
            node = (lambda a, b: lambda env: combine(_boolean(a(env), self),
                                                     _boolean(b(env), self)))(left, right)
        return node

    def condition(self) -> Node:
        return self._chain("|", self.conjunct, np.logical_or)

    def conjunct(self) -> Node:
        return self._chain("&", self.negation, np.logical_and)

    def negation(self) -> Node:
        if self.peek() == "~":
            self.take()
            inner = self.negation()
            return lambda env: np.logical_not(_boolean(inner(env), self))
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        if self.peek() in _COMPARE:
            compare = _COMPARE[self.take()[1]]
            right = self.sum()
            return lambda env: compare(_number(left(env), self), _number(right(env), self))
        return left

    def _arithmetic(self, symbols: str, inner: Callable[[], Node]) -> Node:
        node = inner()
        while self.peek() is not None and self.peek() in symbols:
            apply = _ARITHMETIC[self.take()[1]]
            left, right = node, inner()
            node = (lambda a, b, f: lambda env: f(_number(a(env), self),
                                                  _number(b(env), self)))(left, right, apply)
        return node

    def sum(self) -> Node:
        return self._arithmetic("+-", self.product)

    def product(self) -> Node:
        return self._arithmetic("*/", self.power)

    def power(self) -> Node:
        base = self.unary()
        if self.peek() == "^":
            self.take()
            exponent = self.unary()
            return lambda env: np.power(_number(base(env), self), _number(exponent(env), self))
        return base

    def unary(self) -> Node:
        token = self.take()
        kind, value, _ = token
        if value == "-" and kind == "op":
            inner = self.power()  # -x^2 is -(x^2), as in Python
            return lambda env: -_number(inner(env), self)
        if kind == "number":
            number = float(value)
            return lambda env: np.float64(number)
        if kind == "name" and value in FUNCTIONS and self.peek() == "(":
            self.take()
            inner, function = self.condition(), FUNCTIONS[value]
            closing = self.take()
            if closing[1] != ")":
                self.fail(closing, "')'")
            return lambda env: function(_number(inner(env), self))
        if kind == "name":
            if value not in self.columns:
                raise UserError(f"{self.what}: unknown column {value!r}; known columns: "
                                f"{', '.join(sorted(self.columns))}")
            return lambda env: np.asarray(env[value])
        if value == "(":
            inner = self.condition()
            closing = self.take()
            if closing[1] != ")":
                self.fail(closing, "')'")
            return inner
        self.fail(token, "a number, a column name or '('")
        raise AssertionError  # unreachable: fail raises


def _number(value: np.ndarray, parser: _Parser) -> np.ndarray:
    if np.asarray(value).dtype == bool:
        raise UserError(f"{parser.what}: {parser.text!r} does arithmetic or comparison on a "
                        f"condition; compare columns and numbers, join conditions with "
                        f"and/or")
    return np.asarray(value, dtype=float)


def _boolean(value: np.ndarray, parser: _Parser) -> np.ndarray:
    if np.asarray(value).dtype != bool:
        raise UserError(f"{parser.what}: {parser.text!r} joins a number with and/or/not; "
                        f"write a comparison such as normed_distance > 0")
    return np.asarray(value)


def compile_condition(text: str, columns, what: str = "--choices") -> Node:
    """Parse `text` against the known `columns`; returns env -> boolean array."""
    if not str(text).strip():
        raise UserError(f"{what} is empty; write a condition such as normed_distance > 0")
    parser = _Parser(str(text), set(columns), what)
    node = parser.parse()

    def evaluate(env: Mapping[str, np.ndarray]) -> np.ndarray:
        result = np.asarray(node(env))
        if result.dtype != bool:
            raise UserError(f"{what}: {text!r} is a number, not a condition; add a comparison "
                            f"such as '> 0'")
        return result

    return evaluate


def evaluate_condition(text: str, table, what: str = "--choices") -> np.ndarray:
    """Boolean mask of the rows of `table` (DataFrame or dict of arrays) meeting `text`."""
    columns = list(table.keys()) if isinstance(table, Mapping) else list(table.columns)
    mask = compile_condition(text, columns, what)({c: np.asarray(table[c]) for c in columns
                                                   if c in _names_in(text)})
    length = len(table[columns[0]]) if columns else 0
    return np.broadcast_to(mask, (length,)).copy() if mask.ndim == 0 else mask


def _names_in(text: str) -> set[str]:
    return {value for kind, value, _ in tokenize(str(text), "condition") if kind == "name"}


def compile_expression(text: str, columns, what: str = "feature") -> Node:
    """Parse a numeric expression over `columns`; returns env -> float array."""
    if not str(text).strip():
        raise UserError(f"{what} is empty; write a column name or an expression such as "
                        f"log(npp)")
    parser = _Parser(str(text), set(columns), what)
    node = parser.parse()

    def evaluate(env: Mapping[str, np.ndarray]) -> np.ndarray:
        return _number(node(env), parser)

    return evaluate


def names_in(text: str) -> set[str]:
    """Column names an expression or condition reads (function names excluded)."""
    tokens = tokenize(str(text), "expression")
    return {value for i, (kind, value, _) in enumerate(tokens) if kind == "name"
            and not (value in FUNCTIONS and i + 1 < len(tokens) and tokens[i + 1][1] == "(")}
