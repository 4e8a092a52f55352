from harness.indexes import parse_pip_config, uv_environment

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
