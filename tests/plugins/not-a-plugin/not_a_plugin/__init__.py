"""Uses MLflow, extends nothing of it."""
