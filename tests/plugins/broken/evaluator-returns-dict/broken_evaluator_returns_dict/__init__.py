from mlflow.models.evaluation.base import ModelEvaluator


class DictEvaluator(ModelEvaluator):
    def can_evaluate(self, *, model_type, evaluator_config, **kwargs):
        return True

    def evaluate(self, *, model_type, dataset, run_id, evaluator_config, model=None, **kwargs):
        return {"row_count": float(len(dataset.features_data))}  # not an EvaluationResult
