"""Which lists a rule's expression names: the ones a list's deletion must wait for."""

from __future__ import annotations

import pytest

from store_svc.rule_list_names import list_names_in


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("tx.merchant_id in lists.blocked_merchants", {"blocked_merchants"}),
        ("tx.user_id in lists . vip_users || tx.country in lists.bad_countries", {"vip_users", "bad_countries"}),
        ("has(lists.watched) && tx.city in lists.watched", {"watched"}),
        ('tx.amount > 900.0 && tx.channel == "ATM"', set()),
        ("tx.merchant_id in mylists.other", set()),
    ],
)
def test_the_lists_an_expression_names(expression, named):
    assert list_names_in(expression) == named
