from mlflow.tracking.request_header.abstract_request_header_provider import RequestHeaderProvider


class ReferenceHeaderProvider(RequestHeaderProvider):
    """Adds a header identifying the plugin to tracking-server requests."""

    def in_context(self):
        return True

    def request_headers(self):
        return {"X-Harness-Reference-Plugin": "1"}
