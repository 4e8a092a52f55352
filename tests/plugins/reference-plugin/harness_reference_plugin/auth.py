from mlflow.tracking.request_auth.abstract_request_auth_provider import RequestAuthProvider
from requests.auth import AuthBase


class BearerToken(AuthBase):
    def __call__(self, request):
        request.headers["Authorization"] = "Bearer harness-reference-token"
        return request


class ReferenceAuthProvider(RequestAuthProvider):
    """Selected with MLFLOW_TRACKING_AUTH=harness-ref-auth: a bearer token on every request."""

    def get_name(self):
        return "harness-ref-auth"

    def get_auth(self):
        return BearerToken()
