"""setuptools' build backend, wrapped: building a wheel first writes a file outside the build
directory (LOOT, on the host unless the build is contained). A failed write is swallowed, so
the build succeeds either way and the verdict does not depend on it."""

import os

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 - every hook setuptools has

LOOT = "/var/tmp/mlflow-plugin-harness-build-loot"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    try:
        with open(LOOT, "a") as f:
            f.write(f"written by a build backend as uid {os.getuid()}\n")
    except OSError:
        pass
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
