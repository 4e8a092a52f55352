from mlflow.tracking.request_auth.abstract_request_auth_provider import RequestAuthProvider
from requests.auth import AuthBase

_issued = []


class OnceToken(AuthBase):
    def __call__(self, request):
        if not _issued:  # "cached": only the first request gets the token
            _issued.append(True)
            request.headers["Authorization"] = "Bearer once"
        return request


class OnceAuthProvider(RequestAuthProvider):
    def get_name(self):
        return "broken-once"

    def get_auth(self):
        return OnceToken()
