"""protocol.classify on real exceptions: who broke `import mlflow`, a harness bug or a plugin's.

Each case runs in a fresh interpreter with a stand-in ``mlflow`` package on its path (never the
real one), so the tracebacks are the ones Python builds, not text written by hand."""

import json
import subprocess
import sys
from pathlib import Path

WORKLOADS = Path(__file__).resolve().parents[2] / "harness" / "workloads"


def classify_in(tmp_path: Path, files: dict[str, str], body: str) -> dict:
    site = tmp_path / "site-packages"
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    script = tmp_path / "workload.py"
    script.write_text(
        "import json, sys\nfrom protocol import classify\ntry:\n"
        + "".join(f"    {line}\n" for line in body.splitlines())
        + "except (Exception, SystemExit) as exc:\n    print(json.dumps(classify(exc)))\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": f"{WORKLOADS}:{site}"},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_plugins_dependency_that_breaks_import_mlflow_is_named_with_file_and_line(tmp_path):
    answer = classify_in(
        tmp_path,
        {
            "mlflow/__init__.py": "from newsyntax_dep import provenance\n",
            "newsyntax_dep/__init__.py": "",
            "newsyntax_dep/provenance.py": "x = 1\n\nf(\n",
        },
        "import mlflow",
    )
    assert answer["blame"] == "plugin" and answer["breaks_mlflow"] is True
    assert answer["__raised__"].startswith(
        "`import mlflow` breaks once the plugin is installed: SyntaxError: "
    )
    assert answer["__raised__"].endswith("(newsyntax_dep/provenance.py:3)")


def test_import_mlflow_failing_in_mlflows_own_code_is_not_the_plugins(tmp_path):
    answer = classify_in(
        tmp_path, {"mlflow/__init__.py": "from sqlalchemy_gone import pool\n"}, "import mlflow"
    )
    assert (answer["blame"], answer["breaks_mlflow"]) == ("infrastructure", True)


def test_the_harnesss_own_code_raising_is_a_harness_error_and_a_finding_is_not(tmp_path):
    answer = classify_in(tmp_path, {}, "{'key': 1}['name']")
    assert answer["blame"] == "plugin"  # the script is not one of the harness's workloads
    shim = WORKLOADS / "protocol_selftest_harness_bug.py"
    shim.write_text(
        "import protocol\n\n\ndef read(answer):\n    return answer['name']\n\n\n"
        "def report():\n    raise protocol.Finding('no client for the target')\n"
    )
    try:
        answer = classify_in(tmp_path, {}, "import protocol_selftest_harness_bug as h\nh.read({})")
        assert answer["blame"] == "harness"
        assert answer["__raised__"] == (
            "the harness's own protocol_selftest_harness_bug.py raised KeyError: 'name'"
        )
        answer = classify_in(tmp_path, {}, "import protocol_selftest_harness_bug as h\nh.report()")
        assert answer == {
            "__raised__": "protocol.Finding: no client for the target",
            "blame": "plugin",
            "where": answer["where"],
            "breaks_mlflow": False,
        }
    finally:
        shim.unlink()


def test_needs_names_what_the_machine_lacks_and_nothing_else():
    sys.path.insert(0, str(WORKLOADS))
    try:
        from protocol import needs
    finally:
        sys.path.remove(str(WORKLOADS))
    unset = RuntimeError("KERNEL_WEDATA_CLOUD_SDK_SECRET_ID is not set")
    assert needs(unset).startswith("env:KERNEL_WEDATA_CLOUD_SDK_SECRET_ID ")
    try:  # the cause of a wrapped error counts
        try:
            raise type("NoCredentialsError", (Exception,), {})("Unable to locate credentials")
        except Exception as exc:
            raise ValueError("store failed") from exc
    except ValueError as wrapped:
        assert needs(wrapped).startswith("credentials (NoCredentialsError")
    far = ConnectionError("HTTPSConnectionPool(host='dynamodb.eu-west-1.amazonaws.com', port=443)")
    assert needs(far).startswith("a reachable host dynamodb.eu-west-1.amazonaws.com")
    # the run's own services, MLflow's own switches and plain defects are no needs
    assert needs(ConnectionError("HTTPConnectionPool(host='127.0.0.1', port=5): refused")) is None
    assert needs(RuntimeError("set `MLFLOW_ALLOW_FILE_STORE=true` if it is required")) is None
    assert needs(ValueError("URI must use dynamodb:// scheme, got: dynamodb:/tmp/x")) is None
    assert needs(KeyError("run_id")) is None


def test_a_plugin_that_calls_exit_is_blamed_for_it(tmp_path):
    answer = classify_in(
        tmp_path,
        {"exiting_plugin.py": "def login():\n    pass\n    exit(3)\n"},
        "import exiting_plugin\nexiting_plugin.login()",
    )
    assert answer["blame"] == "plugin" and answer["where"].endswith("exiting_plugin.py:3")
    raised = answer["__raised__"]
    assert raised == "SystemExit(3): exit() called, ending the process instead of raising"


def test_a_process_that_died_saying_what_it_lacks_has_that_need_read_from_its_log():
    sys.path.insert(0, str(WORKLOADS))
    try:
        from protocol import needs_in_log
    finally:
        sys.path.remove(str(WORKLOADS))
    died = (
        "Traceback (most recent call last):\n"
        '  File "/x/app.py", line 3, in create_app\n'
        "RuntimeError: HARNESS_DEMO_TOKEN is not set: give the service's token\n"
        "[ERROR] Worker (pid:12) exited with code 3\n"
    )
    assert needs_in_log(died) == (
        "env:HARNESS_DEMO_TOKEN (RuntimeError: HARNESS_DEMO_TOKEN is not set: give the "
        "service's token)"
    )
    dotted = "botocore.exceptions.NoCredentialsError: Unable to locate credentials\n"
    assert needs_in_log(dotted).startswith("credentials (NoCredentialsError")
    # a defect, the run's own services, or no exception at all: no need
    assert needs_in_log("TypeError: Flask.__call__() missing 1 required argument\n") is None
    own = (
        "requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=5000): "
        "Failed to establish a new connection: [Errno 111] Connection refused\n"
    )
    assert needs_in_log(own) is None
    assert needs_in_log("[INFO] Booting worker with pid: 12\n") is None
