"""Simulated labelled card transactions with overlapping fraud patterns (see simulate.py, fraud.py)."""

from scoring_svc.simulator.simulate import SimulationConfig, simulate

__all__ = ["SimulationConfig", "simulate"]
