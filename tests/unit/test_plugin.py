import pytest

from harness.model.errors import UsageError
from harness.model.plugin import parse_plugin


def test_directory_plugin(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    plugin = parse_plugin(str(tmp_path))
    assert plugin.kind == "directory"
    assert plugin.install == tmp_path.as_uri()
    assert plugin.settings_file() == tmp_path / "pyproject.toml"


def test_content_hash_follows_file_contents_not_caches(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    plugin = parse_plugin(str(tmp_path))
    before = plugin.content_hash()
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "m.pyc").write_bytes(b"junk")
    assert plugin.content_hash() == before
    (tmp_path / "mod.py").write_text("x = 1\n")
    assert plugin.content_hash() != before


def test_content_hash_leaves_out_the_harness_reports_inside_the_plugin(tmp_path):
    """The Action writes its reports into the plugin's checkout: the next run is not a new
    plugin (its environment and wheel are reused)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    plugin = parse_plugin(str(tmp_path))
    before = plugin.content_hash()
    for folder in ("mlflow-plugin-harness-reports", "out"):
        (tmp_path / folder).mkdir()
        for name in ("report.json", "junit.xml", "report.html"):
            (tmp_path / folder / name).write_text(folder)
    assert plugin.content_hash() == before
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "report.json").write_text("{}")  # alone: could be the plugin's
    assert plugin.content_hash() != before


def test_requirement_plugin():
    plugin = parse_plugin("mlflow-sysmetrics==0.1.3")
    assert (plugin.kind, plugin.install) == ("requirement", "mlflow-sysmetrics==0.1.3")


@pytest.mark.parametrize(
    "spec, message",
    [
        ("./no/such/dir", "plugin path not found"),
        ("/no/such/plugin.whl", "plugin path not found"),
        ("", "no plugin given"),
        ("not a requirement!!", "neither a path nor a valid requirement"),
    ],
)
def test_bad_plugin_specs(spec, message):
    with pytest.raises(UsageError, match=message):
        parse_plugin(spec)


def test_directory_without_project_files(tmp_path):
    with pytest.raises(UsageError, match=r"no pyproject.toml"):
        parse_plugin(str(tmp_path))
