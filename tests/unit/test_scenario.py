from pathlib import Path

import pytest

from harness.errors import ScenarioError, UsageError
from harness.scenario import SCENARIO_DIR, available, json_schema, load_scenario, select


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, expected",
    [
        ("description: x\nchecks: [runs]\nfoo: 1\n", ":3: foo: unknown key"),
        (
            "description: x\nworkloads:\n  - kind: logging\n    runs: many\nchecks: [runs]\n",
            ":4: workloads.0.runs: Input should be a valid integer",
        ),
        (
            "description: x\nworkloads:\n  - kind: logging\n    bogus: 3\nchecks: [runs]\n",
            ":4: workloads.0.bogus: unknown key",
        ),
        ("checks: [runs]\n", ":1: description: required key is missing"),
        (
            "description: x\nservices: [redis]\nchecks: [runs]\n",
            ":2: services: unknown service 'redis'",
        ),
        ("description: x\nchecks: [nope]\n", ":2: checks.0: unknown check 'nope'"),
        (
            "description: x\nworkloads:\n  - kind: fault\n    action: restart\n"
            "    service: postgres\nchecks: [runs]\n",
            "'postgres' is not one of the scenario's services (none)",
        ),
        (
            "description: x\nservices: [postgres]\nworkloads:\n  - kind: fault\n"
            "    action: explode\n    service: postgres\nchecks: [runs]\n",
            ":5: workloads.0.action: Input should be",
        ),
        (
            "description: x\nworkloads:\n  - kind: load\n    writers: 0\nchecks: [performance]\n",
            ":4: workloads.0.writers: Input should be greater than or equal to 1",
        ),
        (
            "description: x\nstores:\n  tracking: '{postgres.uri}'\nchecks: [runs]\n",
            ":2: stores: tracking: {postgres...} needs 'postgres' in this scenario's services",
        ),
        (
            "description: x\nservices: [minio]\nstores:\n  artifacts: '{minio.url}'\n"
            "checks: [runs]\n",
            ":3: stores: artifacts: {minio.url}: minio has uri, endpoint, bucket",
        ),
        (
            "description: x\nservices: [postgres]\nenv:\n  X: '{bogus}'\nchecks: [runs]\n",
            ":3: env: X: unknown field {bogus}",
        ),
        (
            "description: x\nservices:\n  - name: postgres\n    tag: 16\nchecks: [runs]\n",
            ":4: services.0.tag: unknown key",
        ),
        ("description: [\n", "invalid YAML"),
        ("- a\n- b\n", ":1: (top level): a scenario must be a mapping"),
    ],
)
def test_malformed_scenarios_name_file_line_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_shipped_scenarios_are_valid():
    scenarios = select(None)
    assert {"quickstart", "logging", "entry-points"} <= {s.name for s in scenarios}


def test_unknown_scenario_lists_the_available_ones():
    with pytest.raises(UsageError, match=r"available: .*quickstart"):
        select(["no-such-scenario"])


def test_committed_json_schema_is_current():
    assert (SCENARIO_DIR / "scenario.schema.json").read_text() == json_schema()


def test_the_readmes_table_of_workload_kinds_is_current():
    from harness.kinds import with_table

    readme = (SCENARIO_DIR.parent / "README.md").read_text()
    assert readme == with_table(readme), "run `make schema`"


def test_scenario_names_come_from_file_names():
    for name, path in available().items():
        assert load_scenario(path).name == name


def test_services_take_names_or_mappings_and_roles_know_their_backend(tmp_path):
    path = write(
        tmp_path,
        "description: x\nservices: [minio, {name: postgres, image: 'postgres:16'}]\n"
        "stores:\n  tracking: '{postgres.uri}'\nchecks: [runs]\n",
    )
    scenario = load_scenario(path)
    assert [(s.name, s.image) for s in scenario.services] == [
        ("minio", None),
        ("postgres", "postgres:16"),
    ]
    assert scenario.stores.backend("tracking") == "postgres"
    assert scenario.stores.backend("registry") == "postgres"
    assert scenario.stores.backend("artifacts") == "local"
