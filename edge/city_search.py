"""City suggestions for the console's submit form: names starting with what the analyst typed,
most populous first, from the same gazetteer scoring geocodes with (fraudmodel/geo.py), so a
suggested city is one scoring will place.

Matching ignores case and accents ("sao" finds São Paulo). The index is a sorted list of folded
names searched with bisect; it is built on the first query, in a worker thread, because reading
the gazetteer takes about a second and must not stall the event loop.
"""

from __future__ import annotations

import asyncio
import bisect
import unicodedata
from dataclasses import dataclass

from fraudmodel.geo import Gazetteer, Place


def fold(text: str) -> str:
    """Lower case without accents: "São Paulo" -> "sao paulo", "İzmir" -> "izmir"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class CityMatch:
    name: str
    country: str  # ISO 3166 alpha-2
    lat: float
    lon: float


class CityIndex:
    """Every gazetteer city under its folded name, for prefix search."""

    def __init__(self, places: list[Place]):
        # Within one name, the more populous city first; across names, alphabetical for bisect.
        entries = sorted((((fold(p.name), -p.population), p) for p in places if p.name), key=lambda e: e[0])
        self._keys = [key for key, _ in entries]
        self._places = [place for _, place in entries]

    def search(self, prefix: str, limit: int) -> list[CityMatch]:
        folded = fold(prefix.strip())
        if not folded or limit < 1:
            return []
        low = bisect.bisect_left(self._keys, (folded,))
        high = bisect.bisect_left(self._keys, (folded + "\U0010ffff",))
        found = sorted(self._places[low:high], key=lambda p: (-p.population, p.name))
        return [CityMatch(p.name, p.country_code, p.lat, p.lon) for p in found[:limit]]


class CitySearch:
    """Builds the index once, on first use, off the event loop."""

    def __init__(self, gazetteer: Gazetteer):
        self._gazetteer = gazetteer
        self._index: CityIndex | None = None
        self._lock = asyncio.Lock()

    async def index(self) -> CityIndex:
        if self._index is None:
            async with self._lock:
                if self._index is None:
                    self._index = await asyncio.to_thread(lambda: CityIndex(self._gazetteer.cities()))
        return self._index

    async def search(self, prefix: str, limit: int) -> list[CityMatch]:
        return (await self.index()).search(prefix, limit)
