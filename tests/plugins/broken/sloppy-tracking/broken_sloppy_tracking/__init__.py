"""A tracking store with one shortcut per contract feature, each easy to miss in review."""

import math
import os


def SloppyTrackingStore(store_uri=None, artifact_uri=None):  # noqa: N802 - MLflow's builder
    from mlflow.exceptions import MlflowException
    from mlflow.store.entities.paged_list import PagedList
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class Store(SqlAlchemyStore):
        def search_experiments(self, view_type=1, max_results=1000, filter_string=None,
                               order_by=None, page_token=None):
            everything = super().search_experiments(view_type, 50000, filter_string, order_by)
            return PagedList(list(everything), None)  # no pagination

        def restore_run(self, run_id):
            pass  # forgets to restore

        def log_param(self, run_id, param):
            try:
                super().log_param(run_id, param)
            except MlflowException:
                pass  # a changed value is silently ignored instead of rejected

        def get_metric_history(self, run_id, metric_key, max_results=None, page_token=None):
            history = super().get_metric_history(run_id, metric_key, max_results, page_token)
            return PagedList([m for m in history if not math.isnan(m.value)], history.token)

        def delete_tag(self, run_id, key):
            pass  # deletes nothing

        def log_batch(self, run_id, metrics, params, tags):
            super().log_batch(run_id, metrics, params[:50], tags)  # drops params past 50

        def _search_runs(self, experiment_ids, filter_string, run_view_type, max_results,
                         order_by, page_token):
            return super()._search_runs(experiment_ids, filter_string, run_view_type,
                                        max_results, None, page_token)  # ignores order_by

        def log_inputs(self, run_id, datasets=None, models=None):
            pass  # the base class does not force it to exist, so it was never written

        def create_logged_model(self, *args, **kwargs):
            raise NotImplementedError("written for MLflow 2")

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return Store(f"sqlite:///{os.path.abspath(path)}/mlflow.db", artifact_uri or path)
