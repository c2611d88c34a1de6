"""City lookup: the most populous place of a name, remembered within a bound."""

from __future__ import annotations

from fraudmodel.geo import Gazetteer


def test_lookups_are_remembered_within_a_bound_and_stay_right_after_eviction():
    gazetteer = Gazetteer(located_cache_size=3)
    paris = gazetteer.locate("Paris", "FR")
    assert paris is not None and paris.country_code == "FR"
    assert gazetteer.locate("Paris", "US").country_code == "US"  # the country picks among namesakes
    for i in range(10):  # made-up names, as a client could send by the million
        assert gazetteer.locate(f"nowhere-{i}") is None
    assert gazetteer._located.cache_info().currsize == 3
    assert gazetteer.locate("Paris", "FR") == paris
