"""``mlflow server --app-name harness-ref-app``: MLflow's own server, stamping each response.

MLflow 3 serves apps with uvicorn, so the factory returns an ASGI app (MLflow's FastAPI wrapper
around the Flask app); MLflow 2 served the Flask app itself.
"""


def create_app():
    from mlflow.server import app

    @app.after_request
    def stamp(response):
        response.headers["X-Harness-Reference-App"] = "1"
        return response

    try:
        from mlflow.server.fastapi_app import create_fastapi_app
    except ImportError:  # MLflow 2.x
        return app
    return create_fastapi_app(app)
