"""Model evaluator ``harness-ref``: mean absolute error of a regressor, logged to the run."""

from mlflow.models.evaluation.base import EvaluationResult, ModelEvaluator
from mlflow.tracking import MlflowClient


class ReferenceEvaluator(ModelEvaluator):
    def can_evaluate(self, *, model_type, evaluator_config, **kwargs):
        return model_type == "regressor"

    def evaluate(self, *, model_type, dataset, run_id, evaluator_config, model=None,
                 extra_metrics=None, custom_artifacts=None, predictions=None, **kwargs):
        predicted = model.predict(dataset.features_data)
        values = getattr(predicted, "iloc", None)
        predicted = list(predicted.iloc[:, 0]) if values is not None and predicted.ndim > 1 \
            else list(predicted)
        errors = [abs(p - t) for p, t in zip(predicted, dataset.labels_data)]
        metrics = {"harness_ref_mae": sum(errors) / len(errors)}
        client = MlflowClient()
        for key, value in metrics.items():
            client.log_metric(run_id, key, value)
        return EvaluationResult(metrics=metrics, artifacts={}, run_id=run_id)
