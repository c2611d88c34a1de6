"""City suggestions for the submit form, from the gazetteer scoring geocodes with."""

from typing import Annotated

from fastapi import FastAPI, Query

from edge.city_search import CitySearch
from edge.rest_models import CitiesOut

MAX_QUERY_LENGTH = 64
MAX_LIMIT = 50


def register(app: FastAPI, cities: CitySearch) -> None:
    @app.get(
        "/api/geo/cities",
        response_model=CitiesOut,
        summary="Cities whose name starts with q (case and accents ignored), most populous first",
        tags=["system"],
    )
    async def suggest_cities(
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, description="Start of the city's name.")],
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most cities returned.")] = 10,
    ) -> CitiesOut:
        found = await cities.search(q, limit)
        return CitiesOut(cities=[{"name": c.name, "country": c.country, "lat": c.lat, "lon": c.lon} for c in found])
