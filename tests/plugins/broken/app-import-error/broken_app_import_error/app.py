"""The app's framework is not installed with the plugin, as happens when a plugin forgets to
declare a dependency: importing this module raises ModuleNotFoundError."""

import harness_missing_web_framework  # noqa: F401


def create_app():
    return harness_missing_web_framework.App()
