"""FastAPI endpoints, one module per area. Contract routes are `RouteBinding`s whose paths come
from the proto annotations (see route_table.py); the edge's own routes register themselves."""
