"""Settings: flags > environment > TOML file > defaults; secrets masked; bad values are one-line usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import build_parser
from conformance.commands.run import settings_from_args
from conformance.errors import UsageError
from conformance.settings import Secret, Settings, load


def from_argv(argv: list[str], environ: dict[str, str] | None = None) -> Settings:
    parser, _ = build_parser()
    return settings_from_args(parser.parse_args(["run", *argv]), environ or {})


def test_defaults() -> None:
    s = from_argv([])
    assert (s.target, s.api_version, s.budget, s.timeout, s.strict, s.seed) == (
        None,
        "v1",
        "standard",
        10.0,
        False,
        None,
    )
    assert s.run_bound == 300.0


def test_precedence_flag_env_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        'target = "http://file:1"\ntopic = "from-file"\napi_version = "v2"\nbudget = "deep"\n'
        'timeout = 3\nonly = ["produce"]\nheaders = { "X-Tenant" = "qa" }\nreport-dir = "out"\n'
    )
    env = {"KAFKA_REST_URL": "http://env:2"}
    s = from_argv(["--config", str(config), "--budget", "quick"], env)
    assert s.target == "http://env:2"  # env beats file
    assert s.budget == "quick"  # flag beats file
    assert (s.topic, s.api_version, s.timeout, s.only) == ("from-file", "v2", 3.0, ("produce",))
    assert s.headers == (("X-Tenant", Secret("qa")),)
    assert s.report_dir == tmp_path / "out"  # relative to the config file
    assert s.sources["target"] == "env" and s.sources["budget"] == "flag" and s.sources["topic"] == "file"
    assert from_argv(["--config", str(config), "--target", "http://flag:3"], env).target == "http://flag:3"


def test_credentials_come_whole_from_the_strongest_source(tmp_path: Path) -> None:
    env = {"KAFKA_REST_API_KEY": "env-key"}
    s = from_argv(["--target", "http://x", "--topic", "t", "--bearer", "flag-token"], env)
    assert s.bearer == Secret("flag-token") and s.api_key is None
    s = from_argv(["--target", "http://x", "--topic", "t"], env)
    assert s.api_key == Secret("env-key")
    assert s.credentials().headers() == {"X-Auth-Token": "env-key"}
    with pytest.raises(UsageError, match="one kind of credentials"):
        load({}, {"KAFKA_REST_API_KEY": "a", "KAFKA_REST_BEARER": "b"})


def test_secrets_never_show() -> None:
    s = from_argv(
        ["--target", "http://u:pw@x:1", "--topic", "t", "--api-key", "sekrit", "--header", "X-A:hdr-sekrit"]
    )
    text = repr(s) + str(s.redacted())
    for secret in ("sekrit", "hdr-sekrit", "pw"):
        assert secret not in text.replace("[REDACTED]", "")
    assert s.redacted()["target"] == "http://x:1"
    assert set(s.secrets()) >= {"sekrit", "hdr-sekrit", "pw", "u"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target", "ftp://x", "--topic", "t"], "is not an http(s) URL"),
        (["--target", "http://x"], "--topic is required with --target"),
        (["--timeout", "0"], "out of range"),
        (["--timeout", "soon"], "is not a number of seconds"),
        (["--seed", "-1"], "must be at least 0"),
        (["--jobs", "x"], "is not a whole number"),
        (["--basic", "nocolon"], "USER:PASS"),
        (["--header", "NoColon"], "Name:value"),
        (["--topic", " "], "is empty"),
    ],
)
def test_invalid_values_are_usage_errors(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError) as info:
        from_argv(argv)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_config_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        from_argv(["--config", str(tmp_path / "none.toml")])
    bad = tmp_path / "bad.toml"
    bad.write_text("target = \n")
    with pytest.raises(UsageError, match="not valid TOML"):
        from_argv(["--config", str(bad)])
    bad.write_text('colour = "blue"\n')
    with pytest.raises(UsageError, match="unknown setting 'colour'"):
        from_argv(["--config", str(bad)])
    bad.write_text('budget = "huge"\n')
    with pytest.raises(UsageError, match=r"budget \(config file\): 'huge' is not a budget"):
        from_argv(["--config", str(bad)])
    bad.write_text("strict = 1\n")
    with pytest.raises(UsageError, match="must be true or false"):
        from_argv(["--config", str(bad)])


def test_only_and_skip_take_lists() -> None:
    s = from_argv(["--only", "produce,metadata", "--only", "NEG-001", "--skip", " fuzz "])
    assert s.only == ("produce", "metadata", "NEG-001")
    assert s.skip == ("fuzz",)


def test_unwritable_report_dir_is_exit_2_before_any_check(tmp_path: Path) -> None:
    from conformance.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["run", "--report-dir", str(blocker / "reports")]) == 2
