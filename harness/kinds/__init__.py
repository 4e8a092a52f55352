"""Workload kinds: what a scenario's ``workloads:`` entries can be, and how each one runs.
Imports: model, env, services.

A kind is one module here (or anywhere, registered with ``register``): its scenario model, the
script it runs in the plugin's environment, whether its manifest is read back through MLflow or
its answer compared with MLflow's own stores, how its request is built, and which checks read
its evidence. The scenario model, the runner's dispatch and the table of kinds in
``docs/scenarios.md`` are all derived from ``KINDS``, in the style of the ``@check`` registry.
"""

from harness.kinds.base import (
    BEGIN,
    END,
    KINDS,
    Context,
    WorkloadKind,
    adapter,
    listed,
    options,
    register,
    script,
    table,
    uses,
    validate,
    with_table,
)

# The harness's own kinds register themselves, in the order docs/scenarios.md lists them.
# isort: off
from harness.kinds import manifests
from harness.kinds import conformance, observing, load, ui, fault, domain
# isort: on

__all__ = [
    "BEGIN",
    "END",
    "KINDS",
    "Context",
    "WorkloadKind",
    "adapter",
    "conformance",
    "domain",
    "fault",
    "listed",
    "load",
    "manifests",
    "observing",
    "options",
    "register",
    "script",
    "table",
    "ui",
    "uses",
    "validate",
    "with_table",
]
