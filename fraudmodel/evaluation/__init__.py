"""Measuring a model as fraud teams do, and the report each model version carries."""
