from mlflow.entities import Workspace
from mlflow.store.workspace.abstract_store import AbstractStore


class PositionalWorkspaceStore(AbstractStore):
    def __init__(self, store_uri):  # MLflow calls builder(workspace_uri=workspace_uri)
        self.store_uri = store_uri

    def list_workspaces(self):
        return [Workspace(name="default")]

    def get_workspace(self, workspace_name):
        return Workspace(name=workspace_name)
