"""Containerised integration test harness for MLflow plugins."""

__version__ = "0.1.0"
