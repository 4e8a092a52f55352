from mlflow.tracking.request_header.abstract_request_header_provider import RequestHeaderProvider

from utils import header_value


class PluginHeaders(RequestHeaderProvider):
    def in_context(self):
        return True

    def request_headers(self):
        return {"X-Plugin": header_value()}
