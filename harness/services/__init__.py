"""Services: the containers a run starts (databases, object stores, ``mlflow server``, the UI's
browser), their images and the Docker engine they run on.
Imports: model, env.

Scenario files name services as :data:`harness.model.catalog.CATALOG` does; the classes are
imported on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from harness.model.catalog import CATALOG

if TYPE_CHECKING:
    from harness.services.base import Service


def service_class(name: str) -> type[Service]:
    module, _, cls = CATALOG[name][0].partition(":")
    found: type[Service] = getattr(importlib.import_module(f"harness.services.{module}"), cls)
    return found
