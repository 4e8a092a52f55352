def create_app():
    from mlflow.server import app

    @app.after_request
    def stamp(response):
        response.headers["X-Flask-Only"] = "1"
        return response

    return app
