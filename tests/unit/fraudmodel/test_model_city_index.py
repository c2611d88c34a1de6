"""City suggestions: prefix of the name, case and accents ignored, most populous first."""

import threading

import pytest

from fraudmodel.geo import CityIndex, Gazetteer, Place, fold


def place(name: str, country: str, population: int) -> Place:
    return Place(name, country, 1.0, 2.0, population, "UTC")


PLACES = [
    place("London", "CA", 400_000),
    place("Londrina", "BR", 500_000),
    place("London", "GB", 8_900_000),
    place("Long Beach", "US", 460_000),
    place("São Paulo", "BR", 12_400_000),
    place("Salvador", "BR", 2_700_000),
    place("İzmir", "TR", 2_900_000),
    place("Lyon", "FR", 500_000),
]


def names(found: list[Place]) -> list[tuple[str, str]]:
    return [(city.name, city.country_code) for city in found]


def test_names_starting_with_the_prefix_come_most_populous_first():
    found = CityIndex(PLACES).search("Lon", 10)
    assert names(found) == [("London", "GB"), ("Londrina", "BR"), ("Long Beach", "US"), ("London", "CA")]


def test_case_accents_and_spaces_around_do_not_matter():
    index = CityIndex(PLACES)
    assert names(index.search("  sao ", 5)) == [("São Paulo", "BR")]
    assert names(index.search("izm", 5)) == [("İzmir", "TR")]
    assert names(index.search("LONDON", 5)) == [("London", "GB"), ("London", "CA")]
    assert fold("São Paulo") == "sao paulo"


def test_limit_cuts_after_the_most_populous_and_no_match_is_an_empty_list():
    index = CityIndex(PLACES)
    assert names(index.search("l", 2)) == [("London", "GB"), ("Londrina", "BR")]
    assert index.search("Zq", 5) == []
    assert index.search("   ", 5) == []
    assert index.search("Lon", 0) == []


def test_a_match_carries_the_coordinates_and_country_code():
    (city,) = CityIndex(PLACES).search("Lyon", 1)
    assert (city.name, city.country_code, city.lat, city.lon) == ("Lyon", "FR", 1.0, 2.0)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


def test_the_real_gazetteer_puts_london_gb_first_for_lon(gazetteer):
    found = gazetteer.cities_starting_with("Lon", 10)
    assert names(found)[0] == ("London", "GB")
    assert len(found) == 10
    assert all(city.name.casefold().startswith("lon") for city in found)
    assert gazetteer.cities_starting_with("sao", 1)[0].name == "São Paulo"


def test_threads_asking_at_once_share_one_index(monkeypatch):
    gazetteer = Gazetteer()
    built: list[int] = []
    original = CityIndex.__init__

    def counting_init(self, places):
        built.append(1)
        original(self, places)

    monkeypatch.setattr(CityIndex, "__init__", counting_init)
    answers: list[list[Place]] = []
    threads = [
        threading.Thread(target=lambda: answers.append(gazetteer.cities_starting_with("Par", 3))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert len(answers) == 4 and all(answer == answers[0] for answer in answers)
    assert names(answers[0])[0] == ("Paris", "FR")
