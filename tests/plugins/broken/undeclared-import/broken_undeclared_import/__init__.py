import pymysql  # only in the `dev` extra
from mlflow.tracking.request_header.abstract_request_header_provider import RequestHeaderProvider

try:
    import psycopg2  # optional: used when present
except ImportError:
    psycopg2 = None


class DriverHeaders(RequestHeaderProvider):
    def in_context(self):
        return True

    def request_headers(self):
        drivers = ["pymysql"] + (["psycopg2"] if psycopg2 else [])
        return {"X-Drivers": ",".join(drivers), "X-Pymysql": pymysql.__version__}
