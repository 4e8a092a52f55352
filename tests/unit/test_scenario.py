from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from harness.model.errors import ScenarioError, UsageError
from harness.model.yamlsource import describe_validation_error, load_with_lines
from harness.planning.scenario import SCENARIO_DIR, available, json_schema, load_scenario, select


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
            "description: x\nservices: [cassandra]\nchecks: [runs]\n",
            ":2: services: unknown service 'cassandra'",
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
        (
            "description: x\nclients: direct\nchecks: [runs]\n",
            "clients: needs `server: true`",
        ),
        (
            "description: x\nserver: true\nclients: ftp\nchecks: [runs]\n",
            ":3: clients: Input should be 'http' or 'direct'",
        ),
        ("description: [\n", "invalid YAML"),
        ("- a\n- b\n", ":1: (top level): a scenario must be a mapping"),
        (
            "description: x\nworkloads:\n  - runs: 3\nchecks: [runs]\n",
            ":3: workloads.0.kind: required key is missing",
        ),
        (
            "description: x\nworkloads:\n  - kind: 3\nchecks: [runs]\n",
            ":3: workloads.0.kind: unknown kind '3' (known: quickstart, logging, ",
        ),
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


def test_the_docs_table_of_workload_kinds_is_current():
    from harness.kinds import with_table

    page = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text()
    assert page == with_table(page), "run `make schema`"


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


def problems(tmp_path: Path, text: str) -> list[str]:
    """Every line of the error loading ``text`` raises, without the file name."""
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = str(info.value).splitlines()
    assert all(line.startswith(f"{path}:") for line in lines), lines
    return [line.removeprefix(f"{path}:") for line in lines]


def test_a_misspelled_key_is_named_with_a_suggestion(tmp_path):
    text = "description: x\nworkloadz:\n  - kind: logging\nchecks: [runs]\n"
    assert problems(tmp_path, text) == ["2: workloadz: unknown key (did you mean 'workloads'?)"]


def test_a_misspelled_required_key_is_reported_once_as_the_unknown_key(tmp_path):
    # "description" is missing only because it is misspelled: the suggestion says it all
    text = "checks: [runs]\ndescripton: x\n"
    assert problems(tmp_path, text) == ["2: descripton: unknown key (did you mean 'description'?)"]


def test_every_error_is_reported_with_its_line_unknown_keys_first(tmp_path):
    text = (
        "description: x\n"  # 1
        "services: [postgres]\n"
        "timeout_s: 0\n"  # 3
        "workloads:\n"
        "  - kind: logging\n"
        "    runs: many\n"  # 6
        "  - kind: fault\n"  # 7: no service
        "    action: restart\n"
        "checks: [runs, nope]\n"  # 9
        "workloadz: []\n"  # 10
        "colour: blue\n"  # 11
    )
    found = problems(tmp_path, text)
    assert found[:5] == [
        "10: workloadz: unknown key",  # "workloads" is given: no suggestion to add it twice
        "11: colour: unknown key",
        "3: timeout_s: Input should be greater than or equal to 1",
        "6: workloads.0.runs: Input should be a valid integer, unable to parse string as an "
        "integer",
        "7: workloads.1.service: required key is missing",  # the line of its mapping
    ]
    assert found[5].startswith("9: checks.1: unknown check 'nope' (known: runs, ")
    assert len(found) == 6


def test_unknown_keys_in_nested_mappings_get_suggestions_from_their_own_level(tmp_path):
    text = (
        "description: x\n"
        "services:\n"
        "  - name: postgres\n"
        "    imag: 'postgres:16'\n"  # 4
        "stores:\n"
        "  trackng: '{workdir}/db'\n"  # 6
        "workloads:\n"
        "  - kind: logging\n"
        "    rnus: 3\n"  # 9
        "    experiment: 2\n"  # 10
        "  - kind: logigng\n"  # 11
        "chekcs: [runs]\n"  # 12
    )
    assert problems(tmp_path, text) == [
        "4: services.0.imag: unknown key (did you mean 'image'?)",
        "6: stores.trackng: unknown key (did you mean 'tracking'?)",
        "9: workloads.0.rnus: unknown key (did you mean 'runs'?)",
        "10: workloads.0.experiment: unknown key (did you mean 'experiments'?)",
        "12: chekcs: unknown key (did you mean 'checks'?)",  # and not "checks: ... missing"
        "11: workloads.1.kind: unknown kind 'logigng' (did you mean 'logging'?)",
    ]


def test_an_unknown_key_with_nothing_close_has_no_suggestion(tmp_path):
    text = "description: x\nchecks: [runs]\nstores:\n  zzz: 1\n"
    assert problems(tmp_path, text) == ["4: stores.zzz: unknown key"]


class _Scheme(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tracking: str | None = None


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schemes: dict[str, _Scheme] = {}
    fallback: _Scheme | None = None


@pytest.mark.parametrize("model, hint", [(_Settings, " (did you mean 'tracking'?)"), (None, "")])
def test_suggestions_follow_dicts_and_optional_models_of_any_model(tmp_path, model, hint):
    path = write(tmp_path, "schemes:\n  pg:\n    trackin: x\nfallback:\n  trakcing: y\n")
    data, lines = load_with_lines(path)
    with pytest.raises(ValidationError) as info:
        _Settings.model_validate(data)
    assert describe_validation_error(path, lines, info.value, model=model).splitlines() == [
        f"{path}:3: schemes.pg.trackin: unknown key{hint}",
        f"{path}:5: fallback.trakcing: unknown key{hint}",
    ]


def test_a_scenario_loads_more_groups_than_it_puts_to_the_test():
    """Every workload loads MLflow's always-loaded groups (a broken header provider breaks the
    quickstart), while only what it exercises is put to the test."""
    from harness.model.contracts import GROUPS

    quickstart = load_scenario(SCENARIO_DIR / "quickstart.yaml")
    loaded = quickstart.loaded_groups()
    assert "mlflow.request_header_provider" in loaded and "mlflow.app" not in loaded
    assert "request_header_provider" not in quickstart.exercised()
    entry_points = load_scenario(SCENARIO_DIR / "entry-points.yaml")
    assert entry_points.loaded_groups() == {g.name for g in GROUPS}
