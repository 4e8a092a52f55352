from mlflow.deployments import BaseDeploymentClient

_DEPLOYMENTS = {}


class LateKeyClient(BaseDeploymentClient):
    def create_deployment(self, name, model_uri, flavor=None, config=None, endpoint=None):
        _DEPLOYMENTS[name] = {"name": name, "model_uri": model_uri}
        return _DEPLOYMENTS[name]

    def update_deployment(self, name, model_uri=None, flavor=None, config=None, endpoint=None):
        return _DEPLOYMENTS[name]

    def delete_deployment(self, name, config=None, endpoint=None):
        _DEPLOYMENTS.pop(name, None)

    def list_deployments(self, endpoint=None):
        return list(_DEPLOYMENTS.values())

    def get_deployment(self, name, endpoint=None):
        return _DEPLOYMENTS[name]

    def predict(self, deployment_name=None, inputs=None, endpoint=None):
        # the deployment was created without a key: only now does the client ask for one
        raise ValueError(
            "Demo API key is required. Provide it via config={'api_key': '...'} or set the "
            "HARNESS_DEMO_API_KEY environment variable."
        )


def run_local(target, name, model_uri, flavor=None, config=None):
    raise NotImplementedError


def target_help():
    return "key-late"
