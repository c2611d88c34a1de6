"""A day of payments for a set of customers, the same every run: what the scale-out tests replay
through one scoring instance and through several, to compare the features each decision records.

Each customer pays a dozen times between 06:00 and the evening of a fixed day: mostly in their home
town at a few favourite shops, hours apart, with bursts seconds apart (a card being tried), a trip to
another city and new shops now and then, so every kind of feature (windows, gaps, distances,
novelty, amount against the usual) has something to count."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CITIES = [
    ("Lisbon", "PT"),
    ("Madrid", "ES"),
    ("Paris", "FR"),
    ("Berlin", "DE"),
    ("London", "GB"),
    ("Rome", "IT"),
    ("New York", "US"),
    ("Chicago", "US"),
]
DAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; event time only, so any past day does
PAYMENTS_PER_CUSTOMER = 12


@dataclass(frozen=True)
class Payment:
    minutes: float  # after 06:00 of DAY
    amount: str
    city: str
    country: str
    merchant: str
    channel: str

    def body(self, user_id: str) -> dict:
        """The payment as the REST API takes it, for `user_id`."""
        return {
            "user_id": user_id,
            "amount": self.amount,
            "currency": "EUR",
            "location": {"city": self.city, "country": self.country},
            "merchant_id": self.merchant,
            "channel": self.channel,
            "occurred_at": (DAY + timedelta(hours=6, minutes=self.minutes)).isoformat(),
        }


def customer_day(customer: int, shop_prefix: str, late_at: int | None = None) -> list[Payment]:
    """Customer number `customer`'s payments, in event-time order, strictly increasing; but with
    `late_at`, the payment at that place arrives late: it happened 20 minutes before the one sent
    before it (a terminal that was offline), and is still sent in its place."""
    rng = random.Random(20_260_302 + customer)
    home = CITIES[customer % len(CITIES)]
    favourites = [f"{shop_prefix}-{rng.randrange(60)}" for _ in range(3)]
    usual = rng.uniform(15, 80)
    payments, minutes = [], rng.uniform(0, 60)
    for _ in range(PAYMENTS_PER_CUSTOMER):
        away = rng.random() < 0.2
        city, country = rng.choice(CITIES) if away else home
        merchant = rng.choice(favourites) if rng.random() < 0.7 else f"{shop_prefix}-{rng.randrange(60, 200)}"
        amount = usual * rng.lognormvariate(0, 0.6) * (8 if rng.random() < 0.05 else 1)
        channel = rng.choice(["card_present", "card_present", "card_not_present"])
        payments.append(Payment(round(minutes, 3), f"{amount:.2f}", city, country, merchant, channel))
        burst = rng.random() < 0.25
        minutes += rng.uniform(0.05, 2) if burst else rng.expovariate(1 / 70)
    if late_at is not None:
        late = payments[late_at]
        payments[late_at] = Payment(payments[late_at - 1].minutes - 20, *vars_after_minutes(late))
    return payments


def vars_after_minutes(payment: Payment) -> tuple[str, str, str, str, str]:
    return payment.amount, payment.city, payment.country, payment.merchant, payment.channel
