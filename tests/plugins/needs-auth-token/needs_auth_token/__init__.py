"""An auth provider and a server app for a hosted service, sound, that need its token.

Without ``HARNESS_DEMO_TOKEN`` the provider's ``get_auth()`` and the app's factory raise,
naming it, before either did anything; with it, the provider sends a bearer token and the app
serves MLflow's own server.
"""

import os

from mlflow.tracking.request_auth.abstract_request_auth_provider import RequestAuthProvider
from requests.auth import AuthBase

VARIABLE = "HARNESS_DEMO_TOKEN"


def _token() -> str:
    token = os.environ.get(VARIABLE)
    if not token:
        raise RuntimeError(f"{VARIABLE} is not set: give the service's token to use this plugin")
    return token


class BearerToken(AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class TokenAuthProvider(RequestAuthProvider):
    """Selected with MLFLOW_TRACKING_AUTH=harness-token: the service's token on each request."""

    def get_name(self):
        return "harness-token"

    def get_auth(self):
        return BearerToken(_token())


def create_app():
    """``mlflow server --app-name token-app``: MLflow's own server, once the token is known."""
    _token()
    from mlflow.server import app

    try:
        from mlflow.server.fastapi_app import create_fastapi_app
    except ImportError:  # MLflow 2.x serves the Flask app itself
        return app
    return create_fastapi_app(app)
