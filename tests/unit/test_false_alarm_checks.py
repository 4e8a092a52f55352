"""Round-trip and provider checks name who is at fault, judge every step, and skip only for
reasons the evidence shows (no evidence is not "the plugin has no ...")."""

from harness.checks import Evidence, run_check
from harness.model.results import Status

WHERE = "target t (t)"
MODEL_INPUTS = ([1.0, 2.5, -3.0], [0.5, 7.0, -11.25, 40.0])


def step(label, method=None, **fields):
    return {"step": label, "method": method or label, **fields}


def round_trip(get=None, predictions=None, update=None):
    """A target's steps as the deployments workload records them; a correct one by default."""
    steps = [
        step("get_deploy_client", value="Client"),
        step("create_deployment", value="harness-deployment", returned="dict"),
        get or step("get_deployment", value="harness-deployment", returned="dict"),
        step("list_deployments", value=["harness-deployment"]),
    ]
    for values, answer in zip(MODEL_INPUTS, predictions or [None, None], strict=False):
        steps.append(
            step(
                "predict",
                input=values,
                expected=[2 * v for v in values],
                value=answer if answer is not None else [2 * v for v in values],
            )
        )
    steps += [
        update or step("update_deployment", returned="NoneType"),
        step("delete_deployment", returned="NoneType"),
        step("list after delete", "list_deployments", value=[]),
    ]
    return Evidence(
        {},
        observed={
            "deployments": {
                "deployment": "harness-deployment",
                "targets": [{"name": "t", "target": "t", "steps": steps}],
            }
        },
    )


def test_a_correct_target_passes_and_update_may_return_none():
    result = run_check("deployments", round_trip())
    assert result.status is Status.PASSED, result.detail
    dict_answer = step("update_deployment", returned="dict")  # also fine: not judged
    assert run_check("deployments", round_trip(update=dict_answer)).status is Status.PASSED


def test_every_step_is_judged_and_a_constant_predict_fails():
    unread = step(
        "get_deployment",
        returned="dict",
        unreadable="KeyError: 'name'",
        wanted="the 'name' key MLflow documents",
        answer="{'state': 'ready'}",
    )
    result = run_check("deployments", round_trip(get=unread, predictions=[[2.0, 5.0, -6.0]] * 2))
    assert result.status is Status.FAILED
    assert result.problems == [
        f"{WHERE}: predict() answers [2.0, 5.0, -6.0] whatever the input; the model answers "
        "each input differently",
        f"{WHERE}: get_deployment() answered {{'state': 'ready'}}, without the 'name' key MLflow "
        "documents (reading it raised KeyError: 'name')",
        f"{WHERE}: predict returned [2.0, 5.0, -6.0] for input [0.5, 7.0, -11.25, 40.0], the "
        "model gives [1.0, 14.0, -22.5, 80.0]",
    ]
    assert "get_deployment() raised" not in result.detail


def test_errors_the_plugin_raised_say_which_method_and_later_steps_still_count():
    failing = step("update_deployment", error="MlflowException: quota exceeded")
    result = run_check("deployments", round_trip(update=failing, predictions=[None, [0.0] * 4]))
    assert result.problems == [
        f"{WHERE}: predict returned [0.0, 0.0, 0.0, 0.0] for input [0.5, 7.0, -11.25, 40.0], "
        "the model gives [1.0, 14.0, -22.5, 80.0]",
        f"{WHERE}: update_deployment() raised MlflowException: quota exceeded",
    ]
    listing = round_trip()
    listing.observed["deployments"]["targets"][0]["steps"][-1] = step(
        "list after delete", "list_deployments", error="RuntimeError: down"
    )
    assert run_check("deployments", listing).detail == (
        f"{WHERE}: list_deployments() (list after delete) raised RuntimeError: down"
    )


def test_a_target_that_named_a_need_before_it_worked_is_skipped_and_the_others_judged():
    """The workload marks a target ``needs`` when its first call said what this machine lacks;
    such a target is not tested, and says so; the others are judged as usual."""
    lacking = round_trip()
    target = lacking.observed["deployments"]["targets"][0]
    target["needs"] = "env:DEMO_KEY (ValueError: DEMO_KEY is required) at create_deployment()"
    result = run_check("deployments", lacking)
    assert result.status is Status.SKIPPED
    assert result.detail == f"needs {target['needs']}"
    sound = round_trip().observed["deployments"]["targets"][0]
    lacking.observed["deployments"]["targets"].append({**sound, "name": "u"})
    result = run_check("deployments", lacking)
    assert result.status is Status.PASSED
    assert result.detail.endswith(f"; not tested: t needs {target['needs']}")


def providers(auth_headers):
    return Evidence(
        {},
        observed={
            "providers": {
                "headers": [],
                "context": [],
                "default_experiment": [],
                "run_tags": {},
                "plain": {"received": [], "errors": []},
                "auth": [
                    {
                        "name": "a",
                        "auth_name": {"value": "a-auth"},
                        "headers": auth_headers,
                        "observed": {"received": [{"authorization": "Bearer x"}] * 2, "errors": []},
                    }
                ],
            }
        },
    )


def test_an_auth_requests_cannot_use_is_not_reported_as_raised_by_get_auth():
    result = run_check(
        "providers-applied",
        providers(
            {
                "returned": "dict",
                "applying": "TypeError: 'dict' object is not callable",
                "raised_by": "requests",
            }
        ),
    )
    assert result.status is Status.FAILED
    assert result.detail == (
        "auth provider a: get_auth() returned dict, which requests cannot "
        "use as an auth (it raised TypeError: 'dict' object is not callable)"
    )
    own = run_check(
        "providers-applied",
        providers({"returned": "Token", "applying": "KeyError: 'TOKEN'", "raised_by": "plugin"}),
    )
    assert own.detail == (
        "auth provider a: get_auth() returned Token, which raised KeyError: "
        "'TOKEN' when requests applied it"
    )
    raised = run_check("providers-applied", providers({"error": "RuntimeError: no token"}))
    assert raised.detail == "auth provider a: get_auth() raised RuntimeError: no token"
    none = run_check("providers-applied", providers({"value": {}, "returned": "NoneType"}))
    assert none.detail.startswith("auth provider a: get_auth() returned None, which adds no header")
    fine = run_check("providers-applied", providers({"value": {"Authorization": "Bearer x"}}))
    assert fine.status is Status.PASSED, fine.detail


def test_an_answer_the_harness_cannot_read_is_not_an_exception_of_the_method():
    evidence = providers({"value": {"Authorization": "Bearer x"}})
    evidence.observed["providers"]["headers"] = [
        {
            "name": "h",
            "in_context": {"value": True},
            "headers": {
                "unreadable": "ValueError: dictionary update sequence element #0 has "
                "length 1; 2 is required",
                "returned": "list",
            },
        }
    ]
    result = run_check("providers-applied", evidence)
    assert result.detail.startswith(
        "header provider h: request_headers() returned list, which "
        "the harness could not read as a mapping (ValueError: "
    )


def project(status, run_status):
    backend = {
        "name": "b",
        "error": None,
        "waited": False,
        "status": status,
        "run": {"status": run_status, "params": {}, "metrics": {}, "experiment_id": True},
    }
    return Evidence(
        {},
        observed={
            "projects": {
                "backends": [backend],
                "expected": {"params": {"alpha": "0.25"}, "metrics": {"twice_alpha": 0.5}},
            }
        },
    )


def test_project_statuses_are_reported_by_name():
    result = run_check("projects", project("SCHEDULED", "RUNNING"))
    assert result.detail == "backend b: wait() gave False, status SCHEDULED, run RUNNING"


def manifest(workload, **extra):
    return (
        {
            "workload": workload,
            "runs": {},
            "models": [],
            "registry": [],
            "context_providers": [],
            **extra,
        },
        {"runs": {}, "models": [], "registry": []},
    )


def probe(*groups):
    return {"entry_points": [{"group": g, "name": "x", "loaded": True} for g in groups]}


def test_skips_say_there_is_no_evidence_when_a_workload_did_not_finish():
    registry = "mlflow.model_registry_store"
    assert run_check("registry", Evidence(probe(registry))).detail == (
        "no evidence: no workload finished with a manifest"
    )
    only_quickstart = Evidence(probe(registry), [manifest("quickstart")])
    assert run_check("registry", only_quickstart).detail == (
        "no evidence: the logging workload did not finish"
    )
    assert run_check("models", only_quickstart).detail == (
        "no evidence: the logging workload did not finish"
    )
    assert run_check("artifacts", Evidence(probe())).detail == (
        "no evidence: no workload finished with a manifest"
    )
    for check, kind in (
        ("deployments", "deployments"),
        ("app", "app"),
        ("projects", "projects"),
        ("providers-applied", "providers"),
    ):
        result = run_check(check, Evidence(probe()))
        assert (result.status, result.detail) == (
            Status.SKIPPED,
            f"no evidence: the {kind} workload did not finish",
        )
    assert run_check("performance", Evidence(probe())).detail.startswith("no evidence: ")
    assert run_check("server-api", Evidence(probe())).detail.startswith("no evidence: ")


def test_registry_skips_name_the_fact_behind_nothing_registered():
    logged = [
        manifest("logging", registry_skipped="the workload registers nothing (registry: false)")
    ]
    assert run_check("registry", Evidence(probe(), logged)).detail == (
        "nothing was registered: the plugin has no model registry store"
    )
    with_store = Evidence(probe("mlflow.model_registry_store"), logged)
    assert run_check("registry", with_store).detail == (
        "nothing was registered: the workload registers nothing (registry: false)"
    )


def test_evaluator_metrics_logged_with_the_dataset_in_their_names_are_on_the_run():
    def evidence(on_run):
        entry = {"name": "e", "error": None, "metrics": {"mae": 0.5}, "on_run": on_run}
        return Evidence({}, observed={"evaluators": {"evaluators": [entry]}})

    assert run_check("evaluators", evidence({"mae_on_data_abc": 0.5})).status is Status.PASSED
    assert run_check("evaluators", evidence({"mse": 0.5})).status is Status.FAILED


def test_a_run_page_that_did_not_render_what_the_api_serves_is_not_the_plugins_fault():
    def evidence(api_params):
        ui = {
            "api": {
                "status": 200,
                "params": api_params,
                "metrics": {"foo": 1.0},
                "serves_run": "param1" in api_params,
            },
            "attempts": 3,
            "browser": {
                "url": "http://127.0.0.1:1/#/r",
                "dom_chars": 642,
                "shows": {"param1": False, "foo": False},
                "screenshot": "s.png",
            },
        }
        return Evidence({}, observed={"ui": ui})

    unrendered = run_check("ui-screenshot", evidence({"param1": "5"}))
    assert (unrendered.status, unrendered.blame) == (Status.ERROR, "harness")
    hidden = run_check("ui-screenshot", evidence({}))  # the server itself hides it: the plugin
    assert (hidden.status, hidden.blame) == (Status.FAILED, "plugin")
