"""Decimal amounts in major units (what REST clients send) <-> integer minor units (what the wire carries).

The number of minor units per major unit comes from the currency's ISO 4217 exponent as CLDR
records it (babel): 2 for USD, 0 for JPY, 3 for BHD.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from babel.numbers import get_currency_precision, is_currency

from fraudmesh.errors import FieldViolation

DEFAULT_CURRENCY = "USD"
# Beyond int64 the proto field cannot even hold the value; the contract's own bound rejects it later.
INT64_MAX = 2**63 - 1


class MoneyError(ValueError):
    def __init__(self, violation: FieldViolation):
        self.violation = violation
        super().__init__(str(violation))


@functools.lru_cache(maxsize=1024)
def _known_currency(code: str) -> bool:
    # babel rebuilds its set of currencies on every check (27 us, a tenth of the edge's own work on a
    # submission). Callers pass three letters only, and the cache keeps at most maxsize answers.
    return is_currency(code)


def normalise_currency(code: str | None) -> str:
    """Upper-cases and checks an ISO 4217 code; None or empty means USD."""
    currency = (code or "").strip().upper() or DEFAULT_CURRENCY
    if len(currency) != 3 or not currency.isalpha() or not _known_currency(currency):
        raise MoneyError(FieldViolation("currency", "currency.iso4217", f"{code!r} is not an ISO 4217 currency code"))
    return currency


def exponent(currency: str) -> int:
    return get_currency_precision(currency)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """The amount in the currency's minor units; refuses what is not positive or has too many decimals."""
    if not amount.is_finite():
        raise MoneyError(FieldViolation("amount", "amount.finite", "must be a finite number"))
    if amount <= 0:
        raise MoneyError(FieldViolation("amount", "amount.gt", "must be greater than 0"))
    places = exponent(currency)
    scaled = amount.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise MoneyError(
            FieldViolation(
                "amount", "amount.decimal_places", f"{currency} has {places} decimal places; {amount} has more"
            )
        )
    return min(int(scaled), INT64_MAX)


def to_major_units(minor_units: int, currency: str) -> float:
    """The amount as a JSON number in major units (19.99 for 1999 US cents)."""
    return float(Decimal(minor_units).scaleb(-exponent(currency or DEFAULT_CURRENCY)))
