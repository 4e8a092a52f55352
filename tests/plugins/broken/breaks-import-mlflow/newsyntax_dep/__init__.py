"""Stands in for a dependency whose metadata claims Python >=3.9 but whose code needs 3.12."""
