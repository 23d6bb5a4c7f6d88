"""kernelgen's formula language evaluated in mpmath at any precision: the high-precision reference of the accuracy
comparison with PyTorch (test_accuracy_vs_torch.py).

Independent of the code under test: its own lexer and Pratt parser written from docs/specs.md's language reference
(precedences `|| && == < + * unary ^`, `^` right-associative, unary minus looser than `^`, `c ? a : b`), and every
function written from its mathematical definition in mpmath (no kernelgen code, no rewrites, no dtype rounding).
Noise sources are replaced by their means (mean field): `logistic()` 0, `uniform()` 1/2, `bernoulli(p)` p in [0, 1];
`grad_out` is 1. A comparison is 1 or 0;
`min`/`max`/`clamp` are the selects docs/specs.md defines. `evaluate` raises `Untrusted` when the value is not stable
under more precision (see `reference`)."""
import re

import mpmath

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|&&|\|\||[-+*/^<>!?:(),]))")
_BINARY = {"||": 2, "&&": 3, "==": 4, "!=": 4, "<": 5, "<=": 5, ">": 5, ">=": 5, "+": 6, "-": 6, "*": 7, "/": 7, "^": 9}


def _tokens(text):
    out, at = [], 0
    text = text.strip()
    while at < len(text):
        m = _TOKEN.match(text, at)
        if not m or m.end() == at:
            raise ValueError(f"cannot read {text[at:]!r}")
        number, name, symbol = m.groups()
        out.append(("n", number) if number else ("i", name) if name else ("s", symbol))
        at = m.end()
    out.append(("end", None))
    return out


class _Parser:
    """Formula text -> nested tuples: ("num", text), ("id", name), ("neg", a), ("not", a), ("bin", op, a, b),
    ("call", name, [args]), ("sum", index, from, to, body)."""

    def __init__(self, text):
        self.tokens, self.at = _tokens(text), 0

    def peek(self, kind=None, value=None):
        k, v = self.tokens[self.at]
        return (kind is None or k == kind) and (value is None or v == value)

    def take(self):
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, symbol):
        k, v = self.take()
        if (k, v) != ("s", symbol):
            raise ValueError(f"expected {symbol!r}, found {v!r}")

    def parse(self):
        tree = self.expression(0)
        if not self.peek("end"):
            raise ValueError(f"trailing {self.tokens[self.at]}")
        return tree

    def expression(self, minimum):
        lhs = self.prefix()
        while True:
            if self.peek("s", "?") and minimum <= 1:
                self.take()
                a = self.expression(1)
                self.expect(":")
                b = self.expression(1)
                lhs = ("call", "where", [lhs, a, b])
                continue
            k, v = self.tokens[self.at]
            if k != "s" or v not in _BINARY or _BINARY[v] < minimum:
                return lhs
            self.take()
            rhs = self.expression(_BINARY[v] if v == "^" else _BINARY[v] + 1)
            lhs = ("bin", v, lhs, rhs)

    def prefix(self):
        k, v = self.take()
        if k == "n":
            return ("num", v)
        if k == "s" and v in "-+!":
            operand = self.expression(8)
            return {"-": ("neg", operand), "+": operand, "!": ("not", operand)}[v]
        if k == "s" and v == "(":
            inner = self.expression(0)
            self.expect(")")
            return inner
        if k == "i":
            if self.peek("s", "("):
                self.take()
                args = []
                if not self.peek("s", ")"):
                    while True:
                        args.append(self.expression(0))
                        if self.peek("s", ","):
                            self.take()
                            continue
                        break
                self.expect(")")
                if v == "sum":
                    return ("sum", args[0][1], args[1], args[2], args[3])
                return ("call", v, args)
            return ("id", v)
        raise ValueError(f"unexpected {v!r}")


def parse(text):
    return _Parser(text).parse()


def _round_half_even(a):
    f = mpmath.floor(a)
    d = a - f
    if d > 0.5 or (d == 0.5 and int(f) % 2 == 1):
        return f + 1
    return f


def _select(c, a, b):
    return a if c else b


_FUNCTIONS = {
    "exp": mpmath.exp, "expm1": mpmath.expm1, "log": mpmath.log, "log1p": mpmath.log1p, "sqrt": mpmath.sqrt,
    "abs": abs, "sign": lambda a: mpmath.mpf(mpmath.sign(a)), "sigmoid": lambda a: 1 / (1 + mpmath.exp(-a)),
    "tanh": mpmath.tanh, "atan": mpmath.atan, "erf": mpmath.erf, "erfc": mpmath.erfc, "sin": mpmath.sin,
    "cos": mpmath.cos, "floor": mpmath.floor, "ceil": mpmath.ceil,
    "trunc": lambda a: mpmath.floor(a) if a >= 0 else mpmath.ceil(a), "round": _round_half_even,
    "heaviside": lambda a: mpmath.mpf(1 if a >= 0 else 0),
    # docs/specs.md's selects: min(a, b) = b < a ? b : a, max(a, b) = a < b ? b : a, clamp = min(max(a, lo), hi).
    "min": lambda a, b: _select(b < a, b, a), "max": lambda a, b: _select(a < b, b, a),
    "clamp": lambda a, lo, hi: (lambda m: _select(hi < m, hi, m))(_select(a < lo, lo, a)),
    "logistic": lambda: mpmath.mpf(0), "uniform": lambda: mpmath.mpf(0.5),
    # bernoulli(p)'s mean field: p clamped to [0, 1] (docs/specs.md's function table).
    "bernoulli": lambda p: _FUNCTIONS["clamp"](p, mpmath.mpf(0), mpmath.mpf(1)),
}


def _evaluate(tree, env):
    kind = tree[0]
    if kind == "num":
        return mpmath.mpf(tree[1])
    if kind == "id":
        name = tree[1]
        if name in env:
            return env[name]
        if name == "pi":
            return +mpmath.pi
        if name == "e":
            return mpmath.e + 0
        raise KeyError(name)
    if kind == "neg":
        return -_evaluate(tree[1], env)
    if kind == "not":
        return mpmath.mpf(0 if _evaluate(tree[1], env) != 0 else 1)
    if kind == "bin":
        op, a, b = tree[1], _evaluate(tree[2], env), _evaluate(tree[3], env)
        if op == "+": return a + b
        if op == "-": return a - b
        if op == "*": return a * b
        if op == "/":
            if b == 0:  # no signed zero in mpmath: the quotient has no real value to compare with
                return mpmath.mpf("nan")
            return a / b
        if op == "^":
            return a ** int(b) if b == int(b) else a ** b
        truth = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b,
                 "&&": a != 0 and b != 0, "||": a != 0 or b != 0}[op]
        return mpmath.mpf(1 if truth else 0)
    if kind == "call":
        name, args = tree[1], tree[2]
        if name == "where":
            return _evaluate(args[1], env) if _evaluate(args[0], env) != 0 else _evaluate(args[2], env)
        return _FUNCTIONS[name](*[_evaluate(a, env) for a in args])
    if kind == "sum":
        _, index, lo, hi, body = tree
        total = mpmath.mpf(0)
        for i in range(int(_evaluate(lo, env)), int(_evaluate(hi, env)) + 1):
            total += _evaluate(body, {**env, index: mpmath.mpf(i)})
        return total
    raise ValueError(tree)


class Untrusted(Exception):
    """The formula's value at a point did not settle with more precision (it cancels beyond what was tried)."""


#: A value below this at two precisions is 0 to every dtype (float64's smallest subnormal is 4.9e-324).
NEGLIGIBLE = mpmath.mpf("1e-340")


def reference(gradient, x, params, digits=(40, 400, 1600)):
    """`gradient(x, params)` (a function of mpf values) with a trusted value: evaluated at successive precisions
    (decimal digits), each checked against the next 40 digits more; the first agreement to 30 significant digits
    is the value. Where the formula cancels (1 - tanh(k x)^2 at large k x) low precisions disagree and a higher
    one is taken; a value below 1e-340 at two precisions of 400 digits or more is 0 (it rounds to 0 in both
    dtypes; at fewer digits such a value may be a total cancellation, and more are tried). Raises Untrusted
    when even the last precision does not settle."""
    for d in digits:
        with mpmath.workdps(d):
            a = gradient(mpmath.mpf(x), {k: mpmath.mpf(v) for k, v in params.items()})
        with mpmath.workdps(d + 40):
            b = gradient(mpmath.mpf(x), {k: mpmath.mpf(v) for k, v in params.items()})
        if mpmath.isnan(a) and mpmath.isnan(b):
            return b
        if abs(a) < NEGLIGIBLE and abs(b) < NEGLIGIBLE:
            # 0 or next to it at two precisions: also what a total cancellation gives (1 - sigmoid(240) is 0 at
            # 40 digits), so trusted only from 400 digits, where a value above 1e-340 would have been resolved.
            if d >= 400:
                return mpmath.mpf(0)
            continue
        if abs(a - b) <= abs(b) * mpmath.mpf("1e-30"):
            return b
    raise Untrusted(f"no settled value at x = {x!r} up to {digits[-1] + 40} digits")


def surrogate_gradient(spec):
    """The spec's surrogate gradient as a function of (x, params) in mpf: `backward`, with `y` from the mean-field
    training forward (or the forward) when the backward reads it, as kernelgen's docs/specs.md defines it."""
    backward = parse(spec["backward"])
    forward = parse(str(spec.get("train_forward") or spec.get("forward") or "heaviside(x)"))

    def gradient(x, params):
        env = {"x": x, "grad_out": mpmath.mpf(1), **params}  # a backward reading grad_out: at grad_out = 1
        env["y"] = _evaluate(forward, env)
        return _evaluate(backward, env)

    return gradient
