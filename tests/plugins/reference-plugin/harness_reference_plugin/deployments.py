"""Deployment target ``harness-ref``: "deploys" a pyfunc model in-process, keeping deployments
in a JSON file under $HARNESS_REF_DEPLOYMENTS (default ./harness-ref-deployments.json)."""

import json
import os

from mlflow.deployments import BaseDeploymentClient


def _state_file():
    return os.environ.get("HARNESS_REF_DEPLOYMENTS", "harness-ref-deployments.json")


def _load():
    try:
        with open(_state_file()) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def _save(state):
    with open(_state_file(), "w") as f:
        json.dump(state, f)


class ReferenceDeploymentClient(BaseDeploymentClient):
    def create_deployment(self, name, model_uri, flavor=None, config=None, endpoint=None):
        state = _load()
        if name in state:
            raise ValueError(f"deployment {name} exists")
        state[name] = {"name": name, "model_uri": model_uri, "flavor": flavor or "python_function"}
        _save(state)
        return state[name]

    def update_deployment(self, name, model_uri=None, flavor=None, config=None, endpoint=None):
        state = _load()
        state[name].update({k: v for k, v in {"model_uri": model_uri, "flavor": flavor}.items() if v})
        _save(state)
        return state[name]

    def delete_deployment(self, name, config=None, endpoint=None):
        state = _load()
        state.pop(name, None)
        _save(state)

    def list_deployments(self, endpoint=None):
        return list(_load().values())

    def get_deployment(self, name, endpoint=None):
        return _load()[name]

    def predict(self, deployment_name=None, inputs=None, endpoint=None):
        import mlflow.pyfunc

        model = mlflow.pyfunc.load_model(_load()[deployment_name]["model_uri"])
        return model.predict(inputs)


def run_local(target, name, model_uri, flavor=None, config=None):
    raise NotImplementedError("harness-ref deployments are in-process only")


def target_help():
    return "harness-ref: in-process deployments of pyfunc models, for the harness's own tests"
