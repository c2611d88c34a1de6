"""The shared library of the fraud mesh: what every service needs, written once.

Importing it starts nothing: servers, clients and telemetry are built by each service's `__main__`.
"""
