"""Which bodies count as missing methods: pure source inspection, no store is created."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "harness" / "workloads"))

import surface


class Base:
    def docstring_only(self):
        """Does nothing."""

    def passes(self):
        pass

    def ellipsis(self): ...

    def raises(self, x):
        raise NotImplementedError(f"{x} is not implemented")

    def raises_bare(self):
        raise NotImplementedError

    def works(self):
        return 1

    def refuses(self):
        raise ValueError("unsupported")


def test_stub_bodies_are_missing_and_real_ones_are_not():
    stubs = {name for name, fn in vars(Base).items() if callable(fn) and surface.is_stub(fn)}
    assert stubs == {"docstring_only", "passes", "ellipsis", "raises", "raises_bare"}


def test_mlflow_declares_far_more_than_it_marks_abstract():
    declared = surface.declared("tracking")
    abstract = [n for n, fn in declared.items() if getattr(fn, "__isabstractmethod__", False)]
    assert "log_inputs" in declared and "log_batch" in declared
    assert len(declared) > 2 * len(abstract)


def test_counting_wraps_declared_methods_and_keeps_behaviour():
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

    cls = type("Counted", (LocalArtifactRepository,), {})
    assert surface.surface(cls, "artifacts")["missing"] == []
    called: set = set()
    surface.instrument(cls, "artifacts", called)
    surface.instrument(cls, "artifacts", called)  # idempotent
    repo = cls("/tmp/harness-surface-test-does-not-write")
    assert repo.list_artifacts() == [] and called == {"list_artifacts"}
