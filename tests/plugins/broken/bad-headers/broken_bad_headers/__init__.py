from mlflow.tracking.request_header.abstract_request_header_provider import RequestHeaderProvider


class NumericHeaders(RequestHeaderProvider):
    def in_context(self):
        return True

    def request_headers(self):
        return {"X-Retry-Count": 3}  # requests rejects non-str header values
