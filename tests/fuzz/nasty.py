"""The inputs that matter at the door, as hypothesis strategies: every kind of character a JSON string
can carry, the extremes of every number, instants at and beyond protobuf's range, the longest values
the contract allows and one more, and JSON text only a raw body can hold (lone surrogates, NaN,
Infinity, numbers beyond any float)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# The lengths the contract and the REST API bound text to (ids, user ids, currency, country, city,
# idempotency key, page token): each of them and one more.
LENGTHS = sorted({n + extra for n in (3, 32, 64, 128, 256) for extra in (0, 1)})

# Any Unicode scalar value, controls and NUL included, from every plane.
ANY_CHARACTER = st.characters(codec="utf-8")
CONTROLS = st.characters(categories=["Cc"])
# Half of a UTF-16 surrogate pair: JSON's escapes can write one, Python's json reads it into a str.
LONE_SURROGATES = st.characters(categories=["Cs"])
SPECIAL_TEXT = [
    "",
    "\x00",
    "a\x00b",
    "\t",
    "\n",
    "\x1f",
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\U0001f600",
    "\U0010ffff",
    "..",
    "../../etc/passwd",
    "%00",
    "'; DROP TABLE transactions; --",
    "\\",
    '"',
    "😀" * 64,
    "é" * 65,
]
INSTANTS = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+00:01",
    "0001-01-01T00:00:00+23:59",
    "0000-12-31T23:59:59Z",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59.999999-23:59",
    "10000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:00+24:00",
    "-1",
    "1e20",
    "99999999999999999999",
]
DECIMAL_TEXT = [
    "0",
    "-0",
    "-0.0",
    "0.00",
    "1e999999999",
    "1E-999999999",
    "-1e308",
    "1e308",
    "NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "0x10",
    " 1 ",
    "1_000",
    "١٢",  # Arabic-Indic digits, which Python's int() reads
]
NUMBERS = [
    0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    2**31 - 1,
    2**31,
    2**32,
    2**53 + 1,
    2**63 - 1,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64,
    10**30,
    -1,
]


def texts() -> st.SearchStrategy[str]:
    """Text of any characters, at any of the contract's lengths and beyond."""
    return st.one_of(
        st.sampled_from(SPECIAL_TEXT + INSTANTS + DECIMAL_TEXT),
        st.text(ANY_CHARACTER, max_size=40),
        st.text(st.one_of(CONTROLS, ANY_CHARACTER), max_size=10),
        st.builds(lambda n, c: c * n, st.sampled_from(LENGTHS), st.sampled_from(["a", "é", "😀", "\x00"])),
    )


def json_texts() -> st.SearchStrategy[str]:
    """What a JSON string can carry but a URL cannot: lone surrogates too."""
    return st.one_of(texts(), st.text(st.one_of(LONE_SURROGATES, ANY_CHARACTER), min_size=1, max_size=8))


def numbers() -> st.SearchStrategy[int | float]:
    """The extremes of every number a JSON body can hold (finite: NaN is only in raw bodies)."""
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True, min_value=-1e-300, max_value=1e-300),
    )


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), numbers(), json_texts())


def mutated(value: Any, top: bool = True) -> st.SearchStrategy[Any]:
    """`value` (a JSON value a fuzzer generated from the schema) with any of its leaves, or itself,
    often replaced by a nasty one of any type: the structure reaches deep, the leaves test the door."""
    if isinstance(value, dict):
        fields = {key: mutated(item, top=False) for key, item in value.items()}
        inner: st.SearchStrategy[Any] = st.fixed_dictionaries(fields)
    elif isinstance(value, list):
        inner = st.tuples(*(mutated(item, top=False) for item in value)).map(list)
    else:
        inner = st.just(value)
    if isinstance(value, str):
        replacement: st.SearchStrategy[Any] = json_texts()
    elif isinstance(value, bool):
        replacement = scalars()
    elif isinstance(value, int | float):
        replacement = st.one_of(numbers(), st.sampled_from(DECIMAL_TEXT))
    else:
        replacement = scalars()
    return st.one_of(inner, inner, inner, replacement) if top else st.one_of(inner, inner, replacement)


def mutated_parameters(values: dict[str, Any] | None) -> st.SearchStrategy[dict[str, Any] | None]:
    """Query or path parameters with values replaced by nasty text a URL can carry (no surrogates)."""
    if not values:
        return st.just(values)
    return st.fixed_dictionaries(
        {
            name: st.one_of(st.just(value), st.just(value), texts(), numbers().map(str), st.sampled_from(INSTANTS))
            for name, value in values.items()
        }
    )


# --- raw JSON text ---------------------------------------------------------------------------------

RAW_NUMBERS = ["NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" + "0" * 400, "-0", "0e-999", "1E+400"]
RAW_STRINGS = ['"\\ud800"', '"\\udfff"', '"a\\ud83d"', '"\\u0000"', '"\\ud83d\\ude00"', '"\\uDBFF\\uDFFF"']


def raw_json_values() -> st.SearchStrategy[str]:
    """JSON text for one value, as only a raw body can write it: escapes of lone surrogates and NUL,
    Python's NaN and Infinity literals, numbers beyond any float."""
    return st.one_of(
        st.sampled_from(RAW_NUMBERS + RAW_STRINGS),
        scalars().map(lambda value: json.dumps(value)),
        st.integers(min_value=2**63 - 2, max_value=2**70).map(str),
    )


@st.composite
def raw_json_bodies(draw: st.DrawFn, example: Any) -> bytes:
    """A JSON body shaped like `example` (a valid body of the operation), written by hand so that any
    of its values can be raw JSON text, and sometimes cut short, nested deep or not UTF-8."""

    def write(value: Any) -> str:
        if draw(st.integers(0, 5)) == 0:
            return draw(raw_json_values())
        if isinstance(value, dict):
            return "{" + ",".join(f"{json.dumps(key)}:{write(item)}" for key, item in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ",".join(write(item) for item in value) + "]"
        return json.dumps(value)

    text = write(example)
    shape = draw(st.sampled_from(["as is", "as is", "as is", "cut", "deep", "utf-16", "latin-1", "garbage"]))
    if shape == "cut":
        return text.encode()[: draw(st.integers(0, max(len(text) - 1, 0)))]
    if shape == "deep":
        depth = draw(st.sampled_from([100, 1000, 100_000]))
        return ("[" * depth + "]" * depth).encode()
    if shape == "utf-16":
        return text.encode("utf-16")
    if shape == "latin-1":
        return text.replace('"', '"\xe9', 1).encode("latin-1", "replace")
    if shape == "garbage":
        return draw(st.binary(max_size=64))
    return text.encode()
