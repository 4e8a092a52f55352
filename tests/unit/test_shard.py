"""``run --shard K/N`` and ``merge``: the split (deterministic, balanced, a partition), the
durations file, bad specs, and merge's completeness rules. Plain data only: no run, no Docker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.model.errors import UsageError
from harness.model.results import (
    CheckResult,
    EntryPoint,
    PluginInfo,
    RunReport,
    ScenarioResult,
    Status,
)
from harness.parallel import fill_in_missing
from harness.planning.scenario import select
from harness.planning.shard import Item, Plan, ShardSpec, split, static_weight, work_items
from harness.reports.merge import MergeError, merge, read_parts

SCENARIOS = select(None, everything=True)  # every scenario: real shapes, real static weights
NAMES = [s.name for s in SCENARIOS]
PLUGIN = PluginInfo("./plugin", "acme-plugin", "1.0", [EntryPoint("g", "n", "v", True)])


def plans(total: int, versions: list[str | None] | None = None, durations: Path | None = None):
    return [
        ShardSpec(k, total, durations).plan(SCENARIOS, versions or []) for k in range(1, total + 1)
    ]


# ------------------------------------------------------------------ the split


@pytest.mark.parametrize("total", [1, 2, 3, 5, 19, 40])
def test_every_item_is_in_exactly_one_shard_in_the_unsharded_order(total: int) -> None:
    shards = plans(total, ["2.22.1", "3.17.2"])
    of = work_items(NAMES, ["2.22.1", "3.17.2"])
    assert all(p.of == tuple(of) for p in shards)
    taken = [item for p in shards for item in p.mine]
    assert sorted(taken) == sorted(of) and len(set(taken)) == len(of)
    for p in shards:
        assert list(p.mine) == [item for item in of if item in p.mine]
    assert len({p.split for p in shards}) == 1  # split alike, so merge can tell


def test_the_split_is_deterministic() -> None:
    first = [p.record() for p in plans(3)]
    again = [p.record() for p in plans(3)]
    assert first == again
    # the order the scenarios were selected in changes the run order, not who runs what
    reversed_plan = ShardSpec(2, 3).plan(list(reversed(SCENARIOS)), [])
    assert set(reversed_plan.mine) == set(plans(3)[1].mine)


def test_lpt_heaviest_first_into_the_lightest_shard_ties_by_name_and_index() -> None:
    items = [Item(n, "") for n in ("d", "c", "b", "a", "e")]
    weights = dict.fromkeys(items, 1.0) | {Item("e", ""): 3.0}
    shards = split(items, weights, 2)
    # e (3) -> shard 1; a, b, c (1 each) -> shard 2 (loads 3 and 3); d: a tie -> shard 1.
    # Each shard's items stay in the order given.
    assert shards == [[Item("d", ""), Item("e", "")], [Item("c", ""), Item("b", ""), Item("a", "")]]


@pytest.mark.parametrize("total", [2, 3, 4])
def test_static_weights_balance_the_default_set(total: int) -> None:
    loads = [
        sum(static_weight(s) for s in SCENARIOS if p.takes(s.name, None)) for p in plans(total)
    ]
    heaviest = max(static_weight(s) for s in SCENARIOS)
    assert max(loads) - min(loads) <= heaviest  # the greedy bound


def test_static_weights_rank_services_and_heavy_kinds_above_local_scenarios() -> None:
    weight = {s.name: static_weight(s) for s in SCENARIOS}
    assert weight["load"] > weight["postgres-tracking"] > weight["domain"] > weight["quickstart"]
    assert weight["server-postgres-minio"] > weight["postgres-minio"] > weight["logging"]
    assert weight["entry-points"] == min(weight.values())


def test_more_shards_than_items_leaves_empty_shards_that_pass() -> None:
    shards = [ShardSpec(k, 5).plan(SCENARIOS[:2], []) for k in range(1, 6)]
    assert [len(p.mine) for p in shards] == [1, 1, 0, 0, 0]
    report = shards[4].empty_report("./plugin")
    assert report.exit_code() == (0, "shard 5/5 has no work: nothing to run")
    data = report.to_dict()
    assert data["shard"]["index"] == 5 and data["shard"]["items"] == []
    assert len(data["shard"]["of"]) == 2


def test_a_whole_run_writes_no_shard_and_a_shard_round_trips() -> None:
    whole = RunReport(PLUGIN, [ScenarioResult("quickstart", "3.1.0", Status.PASSED)])
    assert "shard" not in whole.to_dict()
    record = plans(2)[0].record()
    sharded = RunReport(PLUGIN, [], shard=record)
    assert RunReport.from_dict(json.loads(json.dumps(sharded.to_dict()))).shard == record


# ------------------------------------------------------------------ --shard and --durations


@pytest.mark.parametrize("text", ["2/3", "1/1", "3/3", " 2/3 "])
def test_good_specs(text: str) -> None:
    spec = ShardSpec.parse(text)
    assert (spec.index, spec.total) == tuple(int(x) for x in text.split("/"))


@pytest.mark.parametrize("text", ["0/3", "4/3", "x", "1/0", "", "-1/3", "1/3/4", "1.5/3", "2"])
def test_bad_specs_are_usage_errors_on_one_line(
    text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="K/N with 1 <= K <= N"):
        ShardSpec.parse(text)
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "./plugin", "--shard", text])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "argument --shard" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--durations", "d.json"], "--durations balances the shards"),
        (["--shard", "1/2", "--profile", "quick"], "--profile quick is the edit-and-test loop"),
    ],
)
def test_options_that_do_not_fit_a_shard(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "./plugin", *argv, "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def durations_file(path: Path, results: list[tuple[str, str, float]]) -> Path:
    report = RunReport(
        PLUGIN, [ScenarioResult(s, v, Status.PASSED, duration_s=d) for s, v, d in results]
    )
    path.write_text(json.dumps(report.to_dict()))
    return path


def test_durations_balance_the_shards_and_missing_items_fall_back(tmp_path: Path) -> None:
    # entry-points took 10 minutes last time: alone in its shard, whatever the others weigh
    file = durations_file(tmp_path / "report.json", [("entry-points", "3.17.2", 600.0)])
    shards = plans(3, durations=file)
    alone = next(p for p in shards if p.takes("entry-points", None))
    assert alone.mine == (Item("entry-points", ""),)
    assert f"1 of {len(SCENARIOS)} items measured" in alone.record()["balanced_by"]
    assert shards[0].split != plans(3)[0].split  # another split, and the record says so


def test_durations_by_version_asked_for(tmp_path: Path) -> None:
    """``2.22`` is the 2.22.0 it resolves to; the newest takes the highest version's."""
    file = durations_file(
        tmp_path / "report.json",
        [("load", "2.22.0", 1.0), ("load", "2.22.1", 900.0), ("load", "3.1.0", 2.0)],
    )
    alone = [p.mine for p in plans(2, ["2.22.1"], file)]
    assert (Item("load", "2.22.1"),) in alone  # measured at 900 s
    cheap = [p.mine for p in plans(2, ["2.22"], file)]
    assert (Item("load", "2.22"),) not in cheap  # 1 s: shares its shard
    newest = [p.mine for p in plans(2, [None], file)]
    assert (Item("load", ""),) not in newest  # 3.1.0's 2 s


def test_a_merged_report_is_a_durations_file(tmp_path: Path) -> None:
    file = durations_file(tmp_path / "report.json", [("entry-points", "3.17.2", 600.0)])
    parts = read_parts([file])
    merged = tmp_path / "merged.json"
    merged.write_text(json.dumps(merge(parts).to_dict()))
    assert [p.split for p in plans(3, durations=merged)] == [
        p.split for p in plans(3, durations=file)
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read it"),
        ("{not json", "not a JSON report"),
        ('{"summary": {}}', "not a harness report"),
        ('{"results": [{"scenario": "x"}]}', "a result without scenario"),
    ],
)
def test_bad_durations_files(tmp_path: Path, content: str | None, message: str) -> None:
    file = tmp_path / "durations.json"
    if content is not None:
        file.write_text(content)
    with pytest.raises(UsageError, match=message) as error:
        ShardSpec(1, 2, file).plan(SCENARIOS, [])
    assert "\n" not in str(error.value)


def test_workers_fill_in_only_the_shards_items() -> None:
    done = [ScenarioResult("quickstart", "3.1.0", Status.PASSED)]
    filled = fill_in_missing(
        done,
        ["quickstart", "logging", "app"],
        ["3.1.0"],
        1,
        {("quickstart", "3.1.0"), ("app", "3.1.0")},
    )
    assert [(r.scenario, r.status) for r in filled] == [
        ("quickstart", Status.PASSED),
        ("app", Status.ERROR),
    ]


# ------------------------------------------------------------------ merge


def resolve(version: str) -> str:
    return {"": "3.17.2", "2.22": "2.22.0"}.get(version, version)


def shard_report(plan: Plan, plugin: PluginInfo = PLUGIN, run_id: str = "") -> dict[str, Any]:
    """The report a shard's run writes: a result (and a check) per item, versions resolved."""
    results = [
        ScenarioResult(
            item.scenario,
            resolve(item.version),
            Status.FAILED if item.scenario == "logging" else Status.PASSED,
            duration_s=2.0,
            checks=[
                CheckResult(
                    "tracking-roundtrip",
                    Status.FAILED if item.scenario == "logging" else Status.PASSED,
                )
            ],
        )
        for item in plan.mine
    ]
    environments = [
        {
            "mlflow_version": v,
            "installable": True,
            "path": f"/envs/{v}",
            "reused": True,
            "seconds": 1,
        }
        for v in dict.fromkeys(r.mlflow_version for r in results)
    ]
    report = RunReport(
        plugin, results, environments, run_id or f"run-{plan.index}", shard=plan.record()
    )
    return report.to_dict()


def write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name / "report.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))
    return path


def whole_report(versions: list[str]) -> RunReport:
    """What one run without shards gives for the same selection."""
    whole = RunReport.from_dict(shard_report(ShardSpec(1, 1).plan(SCENARIOS, versions)))
    whole.shard = None
    return whole


def test_merged_shards_equal_the_unsharded_run(tmp_path: Path) -> None:
    paths = [write(tmp_path, f"s{p.index}", shard_report(p)) for p in reversed(plans(3))]
    merged = merge(read_parts(paths))
    whole = whole_report([])
    assert [(r.scenario, r.mlflow_version, r.status) for r in merged.results] == [
        (r.scenario, r.mlflow_version, r.status) for r in whole.results
    ]
    assert merged.summary() == whole.summary() and merged.matrix() == whole.matrix()
    assert merged.shard is None and merged.run_id == "run-3,run-2,run-1"
    assert [e["path"] for e in merged.environments] == ["/envs/3.17.2"]  # one per path


def test_a_matrix_of_versions_times_shards_merges_into_one_matrix(tmp_path: Path) -> None:
    paths = [
        write(tmp_path, f"{v}-{p.index}", shard_report(p))
        for v in ("2.22", "3.17.2")
        for p in plans(3, [v])
    ]
    merged = merge(read_parts(paths))
    assert merged.versions() == ["2.22.0", "3.17.2"]
    assert all(set(cells) == {"2.22.0", "3.17.2"} for cells in merged.matrix().values())
    whole = whole_report(["2.22", "3.17.2"])
    assert [(r.scenario, r.mlflow_version) for r in merged.results] == [
        (r.scenario, r.mlflow_version) for r in whole.results
    ]
    assert merged.summary() == whole.summary()


def test_the_merged_exit_code_follows_the_run_rules(tmp_path: Path) -> None:
    paths = [write(tmp_path, f"s{p.index}", shard_report(p)) for p in plans(2)]
    code = main(["merge", *map(str, paths), "--report-dir", str(tmp_path / "out")])
    assert code == 1  # logging failed in one shard
    written = json.loads((tmp_path / "out" / "report.json").read_text())
    assert written["summary"]["failed"] == 1 and len(written["results"]) == len(NAMES)
    assert (tmp_path / "out" / "junit.xml").is_file() and (
        tmp_path / "out" / "report.html"
    ).is_file()


def merge_errors(
    paths: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> list[str]:
    """``merge``'s error lines; its exit code must be 2 (not 1: no check failed)."""
    code = main(["merge", *map(str, paths), "--report-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert not (tmp_path / "out" / "report.json").exists()
    return err.splitlines()


def test_a_missing_shard_names_the_shard_and_the_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shards = plans(3)
    paths = [write(tmp_path, f"s{p.index}", shard_report(p)) for p in (shards[0], shards[2])]
    (line,) = merge_errors(paths, capsys, tmp_path)
    selection = shards[0].record()["selection"][:8]
    assert f"selection {selection} ({len(SCENARIOS)} scenario(s), MLflow newest)" in line
    assert "shard 2/3 missing" in line and str(paths[0]) in line


def test_a_missing_version_of_a_matrix_is_its_own_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [write(tmp_path, f"a{p.index}", shard_report(p)) for p in plans(2, ["2.22"])]
    paths.append(write(tmp_path, "b1", shard_report(plans(2, ["3.17.2"])[0])))
    (line,) = merge_errors(paths, capsys, tmp_path)
    assert "MLflow 3.17.2" in line and "shard 2/2 missing" in line


def test_a_duplicated_shard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shards = plans(2)
    paths = [write(tmp_path, f"s{p.index}", shard_report(p)) for p in shards]
    paths.append(write(tmp_path, "again", shard_report(shards[1], run_id="rerun")))
    (line,) = merge_errors(paths, capsys, tmp_path)
    assert "shard 2/2 given 2 times" in line and str(paths[2]) in line


def test_shards_of_different_splits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = durations_file(tmp_path / "d.json", [("entry-points", "3.17.2", 600.0)])
    paths = [
        write(tmp_path, "s1", shard_report(plans(2)[0])),
        write(tmp_path, "s2", shard_report(plans(2, durations=file)[1])),
    ]
    (line,) = merge_errors(paths, capsys, tmp_path)
    assert "split differently" in line
    paths.append(write(tmp_path, "s3", shard_report(plans(3)[2])))
    lines = merge_errors(paths, capsys, tmp_path)
    assert any("different numbers of shards" in line for line in lines)


def test_reports_of_different_plugins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = PluginInfo("./plugin", "acme-plugin", "2.0", [])
    shards = plans(2)
    paths = [
        write(tmp_path, "s1", shard_report(shards[0])),
        write(tmp_path, "s2", shard_report(shards[1], plugin=other)),
    ]
    (line,) = merge_errors(paths, capsys, tmp_path)
    assert "plugin acme-plugin 2.0" in line and "acme-plugin 1.0" in line


def test_unreadable_reports_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"name": "something else"}')
    (tmp_path / "error.json").write_text(
        json.dumps({"results": [], "error": {"kind": "install", "message": "no such plugin"}})
    )
    paths = [tmp_path / "missing.json", tmp_path / "bad.json", tmp_path / "other.json"]
    paths.append(tmp_path / "error.json")
    lines = merge_errors(paths, capsys, tmp_path)
    assert len(lines) == 4
    assert "cannot read it" in lines[0] and "not a JSON report" in lines[1]
    assert "not a report of mlflow-plugin-harness" in lines[2]
    assert "ended before any scenario (install error: no such plugin)" in lines[3]


def test_overlapping_selections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A whole run is shard 1/1 of its results: merged with shards of the same, it overlaps."""
    whole = whole_report([])
    paths = [write(tmp_path, "whole", whole.to_dict())]
    paths += [write(tmp_path, f"s{p.index}", shard_report(p)) for p in plans(2)]
    lines = merge_errors(paths, capsys, tmp_path)
    assert len(lines) == 2 and all("both have results for" in line for line in lines)


def test_an_empty_shard_merges(tmp_path: Path) -> None:
    shards = [ShardSpec(k, 3).plan(SCENARIOS[:2], []) for k in (1, 2, 3)]
    data = [shard_report(p) for p in shards[:2]] + [shards[2].empty_report("./plugin").to_dict()]
    paths = [write(tmp_path, f"s{k}", d) for k, d in enumerate(data)]
    merged = merge(read_parts(paths))
    assert [r.scenario for r in merged.results] == NAMES[:2] and merged.plugin.name == "acme-plugin"


def test_merge_never_overwrites_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "out", shard_report(plans(1)[0]))
    before = path.read_text()
    code = main(["merge", str(path), "--report-dir", str(path.parent)])
    assert code == 2 and "would overwrite" in capsys.readouterr().err
    assert path.read_text() == before


def test_merge_with_no_reports_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["merge"])
    assert exit_info.value.code == 2


def test_merge_errors_are_usage_errors() -> None:
    assert issubclass(MergeError, UsageError) and MergeError(["a", "b"]).exit_code == 2


def test_the_html_report_names_the_shard(tmp_path: Path) -> None:
    from harness.reports.html import render
    from harness.reports.report import Masker

    plan = plans(3)[1]
    page = render(RunReport.from_dict(shard_report(plan)), Masker(), tmp_path)
    assert f"shard 2/3 ({len(plan.mine)} of {len(SCENARIOS)} items of selection" in page
    assert "shard " not in render(whole_report([]), Masker(), tmp_path).split("<h2>")[0]


def test_auto_workers_take_every_cpu_the_scenarios_their_work_and_memory_allow():
    from harness.parallel import auto_workers
    from harness.planning.scenario import Scenario

    base = {"description": "d", "workloads": [{"kind": "conformance"}], "checks": ["runs"]}
    local = Scenario.model_validate({**base, "name": "local"})
    postgres = Scenario.model_validate({**base, "name": "pg", "services": ["postgres"]})
    entry_points = Scenario.model_validate({**base, "name": "entry-points", "workloads": []})
    quickstart = Scenario.model_validate(
        {**base, "name": "q", "workloads": [{"kind": "quickstart"}]}
    )
    assert auto_workers([local, postgres], cpus=2, free_mb=20_000)[0] == 2
    assert auto_workers([local], cpus=8, free_mb=20_000)[0] == 1  # no more than the scenarios
    assert auto_workers([local, postgres] * 4, cpus=8, free_mb=4_000)[0] == 2  # memory: 1.7 GiB
    assert auto_workers([local, postgres], cpus=2, free_mb=100)[0] == 1
    # a second worker would start after the little work besides the quickstart was done
    assert auto_workers([entry_points, quickstart], cpus=2, free_mb=20_000)[0] == 1
    assert auto_workers([quickstart, quickstart], cpus=2, free_mb=20_000)[0] == 2
    assert auto_workers([local] * 3, cpus=8, free_mb=20_000)[0] == 3  # 27 s: 3 lanes of 9
    _, why = auto_workers([local, postgres], cpus=2, free_mb=20_000)
    assert "2 CPU(s), 2 scenario(s) of about 24 s" in why
