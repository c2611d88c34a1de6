"""Joins the contract's HTTP rules to the edge's endpoint functions and registers them on the app.

Each endpoint says which RPC it serves; the path and HTTP method come only from the annotation.
An annotated RPC without an endpoint, an endpoint for an RPC without an annotation, or path
parameters that differ between the two stop the edge at start-up.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from edge.http_rules import HttpRule


@dataclass(frozen=True)
class RouteBinding:
    """An endpoint for one RPC; everything FastAPI needs except the path and method."""

    grpc_method: str
    endpoint: Callable[..., Any]
    summary: str
    status_code: int = 200
    response_model: Any = None
    responses: dict[int | str, dict[str, Any]] = field(default_factory=dict)
    tags: Sequence[str] = ()


class RouteTable:
    def __init__(self, rules: Iterable[HttpRule], bindings: Iterable[RouteBinding]):
        self.rules = list(rules)
        by_method = {}
        for binding in bindings:
            if binding.grpc_method in by_method:
                raise ValueError(f"two endpoints bind {binding.grpc_method}")
            by_method[binding.grpc_method] = binding
        annotated = {rule.grpc_method for rule in self.rules}
        missing = sorted(annotated - by_method.keys())
        unknown = sorted(by_method.keys() - annotated)
        if missing or unknown:
            raise ValueError(f"route table mismatch: no endpoint for {missing}; no annotation for {unknown}")
        self.bindings = by_method
        for rule in self.rules:
            _check_path_parameters(rule, by_method[rule.grpc_method])
        self._by_route = {(rule.http_method, rule.path): rule for rule in self.rules}

    def register(
        self,
        app: FastAPI,
        dependencies_of: Callable[[str], list[Any]],
        refusals: dict[int | str, dict[str, Any]],
    ) -> None:
        """Adds each route with the dependencies `dependencies_of(grpc_method)` gives (its access
        check) and `refusals` documented among its answers."""
        for rule in self.rules:
            binding = self.bindings[rule.grpc_method]
            app.add_api_route(
                rule.path,
                binding.endpoint,
                methods=[rule.http_method],
                name=rule.grpc_method,
                summary=binding.summary,
                description=f"gRPC: `{rule.grpc_method}`.",
                status_code=binding.status_code,
                response_model=binding.response_model,
                responses={**refusals, **binding.responses},
                tags=list(binding.tags),
                dependencies=dependencies_of(rule.grpc_method),
            )

    def api_route(self, app: FastAPI, grpc_method: str) -> APIRoute:
        """The route `register` added to `app` for `grpc_method`."""
        for route in app.router.routes:
            if isinstance(route, APIRoute) and route.name == grpc_method:
                return route
        raise LookupError(f"no route registered for {grpc_method}")

    def rule_for(self, http_method: str, path: str) -> HttpRule | None:
        """The rule of a registered route (`path` is the template), for naming fields in errors."""
        return self._by_route.get((http_method, path))


def _check_path_parameters(rule: HttpRule, binding: RouteBinding) -> None:
    parameters = set(inspect.signature(binding.endpoint).parameters)
    absent = [name for name in rule.path_parameters if name not in parameters]
    if absent:
        raise ValueError(f"{rule.grpc_method}: endpoint lacks path parameters {absent} of {rule.path}")
