"""Money: decimal major units <-> integer minor units by each currency's own exponent, the one default
currency and the one ISO 4217 check (the edge's and ingest's)."""

from __future__ import annotations

import itertools
import string
from decimal import Decimal
from fractions import Fraction

import pytest
from babel.numbers import get_currency_precision, list_currencies
from fraud.v1 import transaction_pb2
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fraudmesh.conversions.money import (
    DEFAULT_CURRENCY,
    INT64_MAX,
    MoneyError,
    exponent,
    is_iso_currency,
    normalise_currency,
    to_major_units,
    to_minor_units,
)
from fraudmesh.transaction_rules import normalise

CURRENCIES = sorted(list_currencies())
# The contract's bound on Money.minor_units (proto/fraud/v1/transaction.proto).
MAX_MINOR_UNITS = 10_000_000_000
INT64 = st.integers(-(2**63), 2**63 - 1)


def exact_major(minor_units: int, currency: str) -> Decimal:
    return Decimal(minor_units).scaleb(-exponent(currency))


def test_every_currency_has_one_of_the_exponents_iso_4217_uses():
    assert {exponent(currency) for currency in CURRENCIES} == {0, 2, 3, 4}
    assert all(exponent(currency) == get_currency_precision(currency) for currency in CURRENCIES)
    assert exponent("") == exponent(DEFAULT_CURRENCY) == 2


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("19.99", "USD", 1999),
        ("19.9", "USD", 1990),
        ("19.990", "USD", 1999),  # trailing zeros are not extra precision
        ("20", "USD", 2000),
        ("1500", "JPY", 1500),
        ("1500.0", "JPY", 1500),
        ("1.234", "BHD", 1234),
        ("0.001", "BHD", 1),
        ("1.2345", "CLF", 12345),
        ("1E+2", "JPY", 100),
        ("1.00000000000000000000000000000000", "USD", 100),  # more digits than decimal's 28, all zeros
    ],
)
def test_major_units_become_minor_units_by_currency_exponent(amount, currency, minor):
    assert to_minor_units(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("19.999", "USD"),
        ("1500.5", "JPY"),
        ("1.2345", "BHD"),
        ("1E-7", "USD"),
        ("1.0000000000000000000000000001", "USD"),  # past decimal's 28 digits: once rounded to 1.00
        ("0.00000000000000000000000000000000000001", "USD"),
    ],
)
def test_more_decimals_than_the_currency_has_is_refused_naming_amount(amount, currency):
    with pytest.raises(MoneyError) as refused:
        to_minor_units(Decimal(amount), currency)
    assert refused.value.violation.field == "amount"
    assert refused.value.violation.rule == "amount.decimal_places"
    assert currency in refused.value.violation.message


@pytest.mark.parametrize("amount", ["0", "-5", "-0.01", "-0", "NaN", "sNaN", "Infinity", "-Infinity"])
def test_zero_negative_and_non_finite_amounts_are_refused(amount):
    with pytest.raises(MoneyError) as refused:
        to_minor_units(Decimal(amount), "USD")
    assert refused.value.violation.field == "amount"


@pytest.mark.parametrize("amount", ["1e30", "1E+999999", "1E+999999999", "92233720368547758.08"])
def test_an_amount_too_big_for_int64_is_clamped_so_the_contract_bound_rejects_it(amount):
    assert to_minor_units(Decimal(amount), "USD") == INT64_MAX


@pytest.mark.parametrize(
    ("minor", "currency", "major"), [(1999, "USD", 19.99), (1500, "JPY", 1500.0), (1234, "BHD", 1.234), (5, "", 0.05)]
)
def test_minor_units_back_to_major_units(minor, currency, major):
    assert to_major_units(minor, currency) == major


@settings(max_examples=1000)
@given(st.sampled_from(CURRENCIES), st.integers(1, MAX_MINOR_UNITS))
@example("USD", 1)
@example("JPY", MAX_MINOR_UNITS)
@example("CLF", MAX_MINOR_UNITS)
@example("BHD", 999_999_999)
def test_every_amount_the_contract_allows_round_trips_in_every_currency(currency, minor_units):
    major = to_major_units(minor_units, currency)
    # The float is the nearest to the exact amount, and its shortest text is the amount itself:
    # the REST API's numbers lose nothing within the contract's bound.
    assert Decimal(repr(major)) == exact_major(minor_units, currency)
    assert to_minor_units(Decimal(repr(major)), currency) == minor_units
    assert to_minor_units(exact_major(minor_units, currency), currency) == minor_units


@settings(max_examples=1000)
@given(st.sampled_from([*CURRENCIES, ""]), INT64)
@example("USD", 2**63 - 1)
@example("JPY", -(2**63))
@example("CLF", 2**53 + 1)
@example("BHD", 0)
def test_major_units_are_the_correctly_rounded_float_of_any_int64(currency, minor_units):
    assert to_major_units(minor_units, currency) == float(exact_major(minor_units, currency or DEFAULT_CURRENCY))


def decimal_texts() -> st.SearchStrategy[Decimal]:
    """Decimals as clients write them: up to 40 digits (past decimal's 28), any sign, any exponent."""
    return st.builds(
        lambda sign, digits, point: Decimal(f"{sign}{digits}E{point}"),
        st.sampled_from(["", "-", "+"]),
        st.integers(0, 10**40).map(str),
        st.integers(-60, 60),
    )


@settings(max_examples=1000)
@given(st.sampled_from(CURRENCIES), st.decimals(allow_nan=True, allow_infinity=True) | decimal_texts())
@example("USD", Decimal("1.0000000000000000000000000001"))
@example("USD", Decimal("1.0000000000000000000000000000"))
@example("USD", Decimal("-0"))
@example("USD", Decimal("sNaN"))
@example("CLF", Decimal("922337203685477.5807"))
@example("CLF", Decimal("922337203685477.5808"))
def test_any_decimal_is_refused_for_its_reason_or_converted_exactly(currency, amount):
    places = exponent(currency)
    if not amount.is_finite():
        reason = "amount.finite"
    elif amount <= 0:
        reason = "amount.gt"
    elif (Fraction(amount) * 10**places).denominator != 1:
        reason = "amount.decimal_places"
    else:
        reason = None
    try:
        minor_units = to_minor_units(amount, currency)
    except MoneyError as error:
        assert (error.violation.field, error.violation.rule) == ("amount", reason)
    else:
        assert reason is None
        assert minor_units == min(int(Fraction(amount) * 10**places), INT64_MAX)


@pytest.mark.parametrize(
    ("amount", "outcome"),
    [
        ("1E+999999999", INT64_MAX),
        ("1E+999999999999999999", INT64_MAX),  # scaled past decimal's largest exponent
        ("1E-999999999", "amount.decimal_places"),
        ("1E-999999999999999999", "amount.decimal_places"),
        ("-1E+999999999", "amount.gt"),
    ],
)
def test_the_extreme_exponents_decimal_allows(amount, outcome):
    try:
        assert to_minor_units(Decimal(amount), "USD") == outcome
    except MoneyError as error:
        assert error.violation.rule == outcome


def test_currency_defaults_to_usd_and_is_upper_cased():
    assert DEFAULT_CURRENCY == "USD"
    assert normalise_currency(None) == "USD"
    assert normalise_currency("") == "USD"
    assert normalise_currency(" jpy ") == "JPY"


@pytest.mark.parametrize("code", ["XYZ", "US", "EURO", "12$", "ÉUR", "U\x00D"])
def test_unknown_currency_is_refused_naming_currency(code):
    with pytest.raises(MoneyError) as refused:
        normalise_currency(code)
    assert refused.value.violation.field == "currency"
    assert refused.value.violation.rule == "currency.iso4217"


def test_ingest_fills_the_default_currency_and_names_unknown_codes():
    txn = transaction_pb2.TransactionInput(user_id="u", amount=transaction_pb2.Money(minor_units=100))
    assert normalise(txn, "transaction.") == []
    assert txn.amount.currency == DEFAULT_CURRENCY
    bad = transaction_pb2.TransactionInput(user_id="u", amount=transaction_pb2.Money(minor_units=100, currency="XYZ"))
    [violation] = normalise(bad, "transaction.")
    assert violation.field == "transaction.amount.currency"
    assert violation.rule == "currency.iso4217"


def test_the_edge_and_ingest_accept_the_same_codes():
    """Every code the contract's pattern lets through (three capitals): one check, one answer."""
    for letters in itertools.product(string.ascii_uppercase, repeat=3):
        code = "".join(letters)
        txn = transaction_pb2.TransactionInput(amount=transaction_pb2.Money(minor_units=1, currency=code))
        ingest_accepts = normalise(txn, "") == []
        try:
            edge_accepts = normalise_currency(code.lower()) == code
        except MoneyError:
            edge_accepts = False
        assert ingest_accepts == edge_accepts == is_iso_currency(code) == (code in CURRENCIES), code


@given(st.text(max_size=8))
@example("usd")
@example(" eur\t")
@example("\x00")
@example("\uff35\uff33\uff24")  # fullwidth USD
def test_a_currency_is_accepted_exactly_when_it_names_a_known_code(text):
    code = text.strip().upper() or DEFAULT_CURRENCY
    try:
        accepted = normalise_currency(text)
    except MoneyError:
        assert code not in CURRENCIES
    else:
        assert accepted == code and accepted in CURRENCIES
