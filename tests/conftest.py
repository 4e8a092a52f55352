"""Suite-wide settings: tests never pull from a registry (they build or reuse local images)."""

import os

os.environ.setdefault("MLFLOW_PLUGIN_HARNESS_PULL", "never")
