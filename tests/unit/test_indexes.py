from harness.env.indexes import parse_pip_config, uv_environment

PIP_CONFIG_LIST = """\
:env:.cert='/etc/ssl/certs/ca.crt'
:env:.find-links='/opt/wheels'
global.cert='/other/ca.crt'
global.index-url='https://mirror.example/simple'
global.extra-index-url='file:///opt/a/simple file:///opt/b/simple'
install.constraint='/etc/c.txt'
"""


def test_environment_variables_win_over_files():
    settings = parse_pip_config(PIP_CONFIG_LIST)
    assert settings["cert"] == "/etc/ssl/certs/ca.crt"
    assert settings["extra-index-url"] == "file:///opt/a/simple file:///opt/b/simple"


def test_uv_gets_pips_indexes_ca_and_merging_strategy():
    env = uv_environment(parse_pip_config(PIP_CONFIG_LIST))
    assert env == {
        "SSL_CERT_FILE": "/etc/ssl/certs/ca.crt",
        "UV_FIND_LINKS": "/opt/wheels",
        "UV_INDEX_URL": "https://mirror.example/simple",
        "UV_EXTRA_INDEX_URL": "file:///opt/a/simple file:///opt/b/simple",
        "UV_CONSTRAINT": "/etc/c.txt",
        "UV_INDEX_STRATEGY": "unsafe-best-match",
    }


def test_no_pip_config_still_sets_the_strategy():
    assert uv_environment(parse_pip_config("")) == {"UV_INDEX_STRATEGY": "unsafe-best-match"}


def test_resolver_conflict_becomes_one_sentence_naming_the_pin():
    from harness.env.environment import explain_conflict

    stderr = (
        "error: No solution found when resolving dependencies\n"
        "  cause: Because only pins-old-mlflow==0.1 is available and pins-old-mlflow==0.1 "
        "depends on mlflow>=2.22,<3, we can conclude that all versions of pins-old-mlflow "
        "depend on mlflow>=2.22,<3.\n"
    )
    assert explain_conflict(stderr, "mlflow==3.17.2") == (
        "pins-old-mlflow==0.1 requires mlflow>=2.22,<3, which excludes mlflow==3.17.2"
    )
