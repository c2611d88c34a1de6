"""Simulated labelled card transactions with overlapping fraud patterns (see simulate.py, fraud.py)."""

from fraudmodel.generators.cardholders.simulate import SimulationConfig, simulate

__all__ = ["SimulationConfig", "simulate"]
