"""Decimal major units <-> integer minor units, by the currency's own exponent."""

from decimal import Decimal

import pytest

from edge.money import MoneyError, normalise_currency, to_major_units, to_minor_units


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
    ],
)
def test_major_units_become_minor_units_by_currency_exponent(amount, currency, minor):
    assert to_minor_units(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency"), [("19.999", "USD"), ("1500.5", "JPY"), ("1.2345", "BHD"), ("1E-7", "USD")]
)
def test_more_decimals_than_the_currency_has_is_refused_naming_amount(amount, currency):
    with pytest.raises(MoneyError) as refused:
        to_minor_units(Decimal(amount), currency)
    assert refused.value.violation.field == "amount"
    assert refused.value.violation.rule == "amount.decimal_places"
    assert currency in refused.value.violation.message


@pytest.mark.parametrize("amount", ["0", "-5", "-0.01", "NaN", "Infinity"])
def test_zero_negative_and_non_finite_amounts_are_refused(amount):
    with pytest.raises(MoneyError) as refused:
        to_minor_units(Decimal(amount), "USD")
    assert refused.value.violation.field == "amount"


def test_an_amount_too_big_for_int64_is_clamped_so_the_contract_bound_rejects_it():
    assert to_minor_units(Decimal("1e30"), "USD") == 2**63 - 1


@pytest.mark.parametrize(
    ("minor", "currency", "major"), [(1999, "USD", 19.99), (1500, "JPY", 1500.0), (1234, "BHD", 1.234), (5, "", 0.05)]
)
def test_minor_units_back_to_major_units(minor, currency, major):
    assert to_major_units(minor, currency) == major


def test_currency_defaults_to_usd_and_is_upper_cased():
    assert normalise_currency(None) == "USD"
    assert normalise_currency("") == "USD"
    assert normalise_currency("jpy") == "JPY"


@pytest.mark.parametrize("code", ["XYZ", "US", "EURO", "12$"])
def test_unknown_currency_is_refused_naming_currency(code):
    with pytest.raises(MoneyError) as refused:
        normalise_currency(code)
    assert refused.value.violation.field == "currency"
    assert refused.value.violation.rule == "currency.iso4217"
