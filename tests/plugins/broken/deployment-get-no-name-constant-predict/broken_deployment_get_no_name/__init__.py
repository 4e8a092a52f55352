"""Deployments kept in a JSON file in the working directory. Two defects: get_deployment
describes the deployment without its name, and predict caches the first answer per deployment
and gives it back whatever the input ("a warm cache")."""

import json
import os

from mlflow.deployments import BaseDeploymentClient

STATE = "cached-predict-deployments.json"


def _load():
    if not os.path.exists(STATE):
        return {}
    with open(STATE) as f:
        return json.load(f)


def _save(state):
    with open(STATE, "w") as f:
        json.dump(state, f)


class CachedPredictClient(BaseDeploymentClient):
    def create_deployment(self, name, model_uri, flavor=None, config=None, endpoint=None):
        state = _load()
        state[name] = {"name": name, "model_uri": model_uri, "cache": None}
        _save(state)
        return {"name": name, "model_uri": model_uri}

    def update_deployment(self, name, model_uri=None, flavor=None, config=None, endpoint=None):
        state = _load()
        if model_uri:
            state[name]["model_uri"] = model_uri
        _save(state)
        # returns None, as BaseDeploymentClient.update_deployment documents

    def delete_deployment(self, name, config=None, endpoint=None):
        state = _load()
        state.pop(name, None)
        _save(state)

    def list_deployments(self, endpoint=None):
        return [{"name": name} for name in _load()]

    def get_deployment(self, name, endpoint=None):
        deployment = _load()[name]
        return {"model_uri": deployment["model_uri"], "state": "ready"}  # no 'name'

    def predict(self, deployment_name=None, inputs=None, endpoint=None):
        import mlflow.pyfunc

        state = _load()
        deployment = state[deployment_name]
        if deployment["cache"] is None:
            answer = mlflow.pyfunc.load_model(deployment["model_uri"]).predict(inputs)
            deployment["cache"] = [float(v) for v in answer]
            _save(state)
        return deployment["cache"]


def run_local(target, name, model_uri, flavor=None, config=None):
    raise NotImplementedError("in-process deployments only")


def target_help():
    return "broken-cached: deployments in a local JSON file"
