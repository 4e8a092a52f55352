from mlflow.tracking.request_auth.abstract_request_auth_provider import RequestAuthProvider


class DictAuthProvider(RequestAuthProvider):
    def get_name(self):
        return "broken-dict-auth"

    def get_auth(self):
        # credentials, but not something requests can apply to a request
        return {"Authorization": "Bearer dict-token"}
