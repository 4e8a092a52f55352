from mlflow.tracking.request_header.abstract_request_header_provider import RequestHeaderProvider


class Headers(RequestHeaderProvider):
    def in_context(self):
        return True

    def request_headers(self):
        return {"X-Pinned": "mlflow<3"}
