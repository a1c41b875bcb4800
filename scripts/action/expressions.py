"""GitHub Actions expressions, as far as scripts/action/emulate-runner.py needs them.

The contexts are callables the runner emulation supplies; literals (strings, numbers, true, false,
null), `==`, `!=`, `!`, `&&`, `||` and parentheses follow GitHub's rules (docs: "Evaluate
expressions in workflows and actions"): strings compare case-insensitively, mixed types compare as
numbers, `&&`/`||` yield an operand. A function call, or any syntax outside that, raises
Unsupported, so a harness built on this cannot evaluate an expression differently from the runner
without saying so.
"""

import json
import re

class Unsupported(Exception):
    """An expression or action feature this emulation does not implement."""


TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\)|\.)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_-]*))"
)


def tokenize(text):
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"cannot read expression `{text}` at `{text[pos:]}`")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class Parser:
    def __init__(self, text, contexts):
        self.text, self.tokens, self.i, self.ctx = text, tokenize(text), 0, contexts

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if tok[0] is None or (value is not None and tok[1] != value):
            raise Unsupported(f"expected `{value}` in `{self.text}`")
        self.i += 1
        return tok

    def parse(self):
        value = self.or_()
        if self.i != len(self.tokens):
            raise Unsupported(f"unsupported syntax in `{self.text}` at `{self.peek()[1]}`")
        return value

    def or_(self):
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self):
        value = self.unary()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.unary()
            value = right if truthy(value) else value
        return value

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.compare()

    def compare(self):
        left = self.primary()
        if self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            equal = equals(left, self.primary())
            return equal if op == "==" else not equal
        return left

    def primary(self):
        kind, value = self.peek()
        if (kind, value) == ("op", "("):
            self.take()
            inner = self.or_()
            self.take(")")
            return inner
        if kind == "str":
            self.take()
            return value[1:-1].replace("''", "'")
        if kind == "num":
            self.take()
            return float(value)
        if kind == "ident":
            self.take()
            if value in ("true", "false"):
                return value == "true"
            if value == "null":
                return None
            if self.peek() == ("op", "("):
                raise Unsupported(f"function `{value}()` is not emulated (in `{self.text}`)")
            return self.path(value)
        raise Unsupported(f"unsupported syntax in `{self.text}`")

    def path(self, root):
        if root not in self.ctx:
            raise Unsupported(f"context `{root}` is not emulated (in `{self.text}`)")
        names = [root]
        while self.peek() == ("op", "."):
            self.take()
            kind, name = self.take()
            if kind != "ident":
                raise Unsupported(f"unsupported property access in `{self.text}`")
            names.append(name)
        return self.ctx[root](names[1:], self.text)


def truthy(value):
    return value not in (None, False, "", 0, 0.0)


def as_number(value):
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else 0.0
        except ValueError:
            return float("nan")
    return float("nan")


def equals(a, b):
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if type(a) is type(b) and not isinstance(a, (int, float, str)):
        return a == b
    return as_number(a) == as_number(b)


def to_string(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def interpolate(text, contexts):
    if not isinstance(text, str):
        raise Unsupported(f"expected a string, got {text!r} (quote it)")
    return EXPR.sub(lambda m: to_string(Parser(m.group(1), contexts).parse()), text)


def condition(text, contexts):
    """An `if:` value: an expression with or without `${{ }}` around it."""
    m = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", text, re.S)
    return truthy(Parser(m.group(1) if m else text, contexts).parse())
