"""A plugin with the shape of MLflow's documented example: one scheme, ``example-shaped``, for
a tracking store on local files (MLflow's FileStore), local artifacts and a SQL model registry
(``example-shaped:<sqlalchemy url>``). Its stores add nothing to MLflow's: every difference
the harness finds in them is MLflow's own, and must not be blamed on the plugin."""

from urllib.parse import urlparse

SCHEME = "example-shaped"


def after_scheme(uri: str) -> str:
    """``example-shaped:<rest>`` -> ``<rest>``."""
    return uri[len(SCHEME) + 1:] if uri.startswith(SCHEME + ":") else uri


def path_of(uri: str) -> str:
    return urlparse(uri).path
