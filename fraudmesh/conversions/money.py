"""Money: the one default currency, the ISO 4217 check, and amounts between decimal major units (what
REST clients and history files carry) and integer minor units (what the wire and the database carry).

The number of minor units per major unit comes from the currency's exponent as CLDR records it
(babel): 2 for USD, 0 for JPY, 3 for BHD, 4 for CLF; an unknown code gets CLDR's default, 2.
"""

from __future__ import annotations

import functools
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal

from babel.numbers import get_currency_precision, is_currency

from fraudmesh.errors import FieldViolation

# What an empty currency means, on the wire, in the database and in the model's events.
DEFAULT_CURRENCY = "USD"
# Beyond int64 the proto field cannot even hold the value; the contract's own bound rejects it later.
INT64_MAX = 2**63 - 1
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


class MoneyError(ValueError):
    """An amount or currency refused, with the violation naming the REST field (`amount`, `currency`)."""

    def __init__(self, violation: FieldViolation):
        self.violation = violation
        super().__init__(str(violation))


@functools.lru_cache(maxsize=1024)
def is_iso_currency(code: str) -> bool:
    """Whether CLDR knows `code` (upper case) as an ISO 4217 currency.

    babel rebuilds its set of currencies on every check, and every submission is checked; codes
    repeat, so their answers are cached (at most maxsize of them)."""
    return bool(is_currency(code))


def normalise_currency(code: str | None) -> str:
    """A client's currency, stripped and upper-cased, checked; None or empty means the default."""
    currency = (code or "").strip().upper() or DEFAULT_CURRENCY
    if len(currency) != 3 or not currency.isalpha() or not is_iso_currency(currency):
        raise MoneyError(FieldViolation("currency", "currency.iso4217", f"{code!r} is not an ISO 4217 currency code"))
    return currency


@functools.lru_cache(maxsize=1024)
def exponent(currency: str) -> int:
    """Decimal places of the currency (an empty one is the default currency)."""
    return int(get_currency_precision(currency or DEFAULT_CURRENCY))


@functools.lru_cache(maxsize=1024)
def _minor_per_major(currency: str) -> int:
    return int(10 ** exponent(currency))


def to_minor_units(amount: Decimal, currency: str) -> int:
    """The amount in the currency's minor units; refuses what is not positive or has too many decimals."""
    if not amount.is_finite():
        raise MoneyError(FieldViolation("amount", "amount.finite", "must be a finite number"))
    if amount <= 0:
        raise MoneyError(FieldViolation("amount", "amount.gt", "must be greater than 0"))
    places = exponent(currency)
    # Exactly: the default context rounds to 28 digits (1.0000000000000000000000000001 would pass as
    # 1.00) and traps overflow (1E+999999). Past the largest exponent, scaling gives Infinity.
    scaled = amount.scaleb(places, _EXACT)
    if scaled != scaled.to_integral_value(context=_EXACT):
        raise MoneyError(
            FieldViolation(
                "amount", "amount.decimal_places", f"{currency} has {places} decimal places; {amount} has more"
            )
        )
    if not scaled.is_finite() or scaled.adjusted() >= 19:  # 10**19 minor units or more: beyond int64
        return INT64_MAX
    return min(int(scaled), INT64_MAX)


def to_major_units(minor_units: int, currency: str) -> float:
    """The amount in major units as the nearest float (19.99 for 1999 US cents; an empty currency is
    the default). Python's int division rounds correctly, so this is `float(Decimal(minor_units).scaleb(-e))`
    at a fraction of its cost: scoring converts every transaction it reads."""
    return minor_units / _minor_per_major(currency)
