import os

from mlflow.tracking.request_header.abstract_request_header_provider import RequestHeaderProvider


def _stage(value):
    match value:  # Python 3.10 syntax, under requires-python >=3.8
        case "prod" | "production":
            return "production"
        case _:
            return "development"


class MatchHeaders(RequestHeaderProvider):
    def in_context(self):
        return True

    def request_headers(self):
        return {"X-Stage": _stage(os.environ.get("STAGE", ""))}
