"""Containerised integration test harness for MLflow plugins.

The entry points live here (``cli``, ``pytest_plugin``, ``parallel``, ``doctor``, ``__main__``)
and may import every package; each package's docstring names the packages it may import
(``docs/architecture.md`` has the map, and ``tests/unit/test_imports.py`` enforces it).
"""

__version__ = "0.1.0"
