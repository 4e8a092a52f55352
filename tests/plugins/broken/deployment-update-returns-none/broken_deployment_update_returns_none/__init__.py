"""A correct in-process deployment target whose update_deployment returns None."""

import json
import os

from mlflow.deployments import BaseDeploymentClient

STATE = "update-none-deployments.json"


def _load():
    if not os.path.exists(STATE):
        return {}
    with open(STATE) as f:
        return json.load(f)


def _save(state):
    with open(STATE, "w") as f:
        json.dump(state, f)


class UpdateNoneClient(BaseDeploymentClient):
    def create_deployment(self, name, model_uri, flavor=None, config=None, endpoint=None):
        state = _load()
        state[name] = {"name": name, "model_uri": model_uri}
        _save(state)
        return dict(state[name])

    def update_deployment(self, name, model_uri=None, flavor=None, config=None, endpoint=None):
        state = _load()
        if model_uri:
            state[name]["model_uri"] = model_uri
        _save(state)
        return None  # "Returns: None" (mlflow/deployments/base.py)

    def delete_deployment(self, name, config=None, endpoint=None):
        state = _load()
        state.pop(name, None)
        _save(state)

    def list_deployments(self, endpoint=None):
        return list(_load().values())

    def get_deployment(self, name, endpoint=None):
        return dict(_load()[name])

    def predict(self, deployment_name=None, inputs=None, endpoint=None):
        import mlflow.pyfunc

        return mlflow.pyfunc.load_model(_load()[deployment_name]["model_uri"]).predict(inputs)


def run_local(target, name, model_uri, flavor=None, config=None):
    raise NotImplementedError("in-process deployments only")


def target_help():
    return "update-none: deployments in a local JSON file"
