"""Deployment target ``keyed``: in-process deployments of pyfunc models, each call refused
without an API key, as a hosted inference service's client refuses them."""

import os

from mlflow.deployments import BaseDeploymentClient

_DEPLOYMENTS = {}


def _api_key():
    key = os.environ.get("HARNESS_DEMO_API_KEY")
    if not key:
        raise ValueError(
            "Demo API key is required. Provide it via config={'api_key': '...'} or set the "
            "HARNESS_DEMO_API_KEY environment variable."
        )
    return key


class KeyedDeploymentClient(BaseDeploymentClient):
    def create_deployment(self, name, model_uri, flavor=None, config=None, endpoint=None):
        _api_key()
        _DEPLOYMENTS[name] = {"name": name, "model_uri": model_uri}
        return _DEPLOYMENTS[name]

    def update_deployment(self, name, model_uri=None, flavor=None, config=None, endpoint=None):
        _api_key()
        _DEPLOYMENTS[name].update({"model_uri": model_uri or _DEPLOYMENTS[name]["model_uri"]})
        return _DEPLOYMENTS[name]

    def delete_deployment(self, name, config=None, endpoint=None):
        _api_key()
        _DEPLOYMENTS.pop(name, None)

    def list_deployments(self, endpoint=None):
        _api_key()
        return list(_DEPLOYMENTS.values())

    def get_deployment(self, name, endpoint=None):
        _api_key()
        return _DEPLOYMENTS[name]

    def predict(self, deployment_name=None, inputs=None, endpoint=None):
        import mlflow.pyfunc

        _api_key()
        return mlflow.pyfunc.load_model(_DEPLOYMENTS[deployment_name]["model_uri"]).predict(inputs)


def run_local(target, name, model_uri, flavor=None, config=None):
    raise NotImplementedError("keyed deployments are hosted only")


def target_help():
    return "keyed: a hosted deployment service (needs HARNESS_DEMO_API_KEY)"
