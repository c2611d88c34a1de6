"""Generators of synthetic labelled transaction histories, each seeded and deterministic."""
