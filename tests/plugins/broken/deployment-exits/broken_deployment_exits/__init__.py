from mlflow.deployments import BaseDeploymentClient


def _login():
    print("Error: cannot reach the deployment service")
    exit()  # the caller's process ends here


class ExitingClient(BaseDeploymentClient):
    def create_deployment(self, name, model_uri, flavor=None, config=None, endpoint=None):
        _login()

    def update_deployment(self, name, model_uri=None, flavor=None, config=None, endpoint=None):
        _login()

    def delete_deployment(self, name, config=None, endpoint=None):
        _login()

    def list_deployments(self, endpoint=None):
        _login()

    def get_deployment(self, name, endpoint=None):
        _login()

    def predict(self, deployment_name=None, inputs=None, endpoint=None):
        _login()


def run_local(target, name, model_uri, flavor=None, config=None):
    raise NotImplementedError


def target_help():
    return "broken-exits"
