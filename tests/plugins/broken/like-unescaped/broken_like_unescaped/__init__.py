"""Breaks: domain. LIKE filters turned into regular expressions without escaping the pattern."""

import re


def build_store(store_uri=None, artifact_uri=None):
    """Factory: FileStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.tracking.file_store import FileStore
    from mlflow.utils.search_utils import SearchUtils

    def matches(run, comparison):
        kind, key, value = comparison["type"], comparison["key"], comparison["value"]
        found = {"parameter": run.data.params, "tag": run.data.tags}.get(kind, {}).get(key)
        if found is None:
            return False
        if comparison["comparator"].upper() == "LIKE":  # the pattern's own characters unescaped
            return re.fullmatch(value.replace("%", ".*").replace("_", "."), found, re.S) is not None
        return {"=": found == value, "!=": found != value}.get(comparison["comparator"], False)

    class UnescapedLikeStore(FileStore):
        def _search_runs(self, experiment_ids, filter_string, run_view_type, max_results,
                         order_by, page_token):
            runs, token = super()._search_runs(experiment_ids, None, run_view_type, max_results,
                                               order_by, page_token)
            comparisons = SearchUtils.parse_search_filter(filter_string) if filter_string else []
            return [r for r in runs if all(matches(r, c) for c in comparisons)], token

    return UnescapedLikeStore(store_uri.split(":", 1)[1], artifact_uri)
