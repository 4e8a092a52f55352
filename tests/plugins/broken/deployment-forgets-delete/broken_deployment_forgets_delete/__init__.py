import json
import os

from mlflow.deployments import BaseDeploymentClient

STATE = "forgets-deployments.json"


def _load():
    return json.load(open(STATE)) if os.path.exists(STATE) else {}


class ForgetfulClient(BaseDeploymentClient):
    def create_deployment(self, name, model_uri, flavor=None, config=None, endpoint=None):
        state = _load()
        state[name] = {"name": name, "model_uri": model_uri}
        json.dump(state, open(STATE, "w"))
        return state[name]

    def update_deployment(self, name, model_uri=None, flavor=None, config=None, endpoint=None):
        return self.create_deployment(name, model_uri or _load()[name]["model_uri"])

    def delete_deployment(self, name, config=None, endpoint=None):
        return None  # "the platform deletes asynchronously" - but it never does

    def list_deployments(self, endpoint=None):
        return list(_load().values())

    def get_deployment(self, name, endpoint=None):
        return _load()[name]

    def predict(self, deployment_name=None, inputs=None, endpoint=None):
        import mlflow.pyfunc

        return mlflow.pyfunc.load_model(_load()[deployment_name]["model_uri"]).predict(inputs)


def run_local(target, name, model_uri, flavor=None, config=None):
    raise NotImplementedError


def target_help():
    return "broken-forgets"
