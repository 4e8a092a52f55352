"""MLflow's own stores behind plugin schemes, changed in nothing but the URI they accept.

Whatever the harness finds wrong with this plugin it finds wrong with MLflow itself: every
check must pass on it, on every backend and MLflow version (differences MLflow's own stores
have among themselves are upstream notes, never failures).
"""


def strip(uri: str, scheme: str) -> str:
    """The URI behind ``<scheme>:``; ``<scheme>:///path`` and ``<scheme>:/path`` are paths."""
    rest = uri[len(scheme) + 1:] if uri.startswith(scheme + ":") else uri
    return rest[2:] if rest.startswith("///") else rest


def given(**kwargs):
    """The keyword arguments MLflow passed (3.x passes tracking_uri and registry_uri to
    artifact repositories; 2.x's base classes do not accept them)."""
    return {k: v for k, v in kwargs.items() if v is not None}
