"""A working request header provider beside a server app that cannot be imported: the app
failing must fail the `app` scenario, and nothing else."""

from mlflow.tracking.request_header.abstract_request_header_provider import RequestHeaderProvider


class Headers(RequestHeaderProvider):
    def in_context(self):
        return True

    def request_headers(self):
        return {"X-Broken-App": "headers-still-work"}
