"""Configuration that finds itself (nearest `.crosswire.toml` or `[tool.crosswire]` from each scanned path up to the
repository root, as Ruff does) and refuses typos: unknown check IDs, and --param / --var names nothing declares."""

from __future__ import annotations

import json
import re

from conftest import run_cli, scan_json

STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  QueueVisibility:
    Type: Number
    Default: 60
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref QueueVisibility
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 20
      Role: arn:aws:iam::123456789012:role/worker
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Queue.Arn
      FunctionName: !Ref Worker
"""
CW302 = ("CW302", "Queue", 7)  # visibility 60 s below 6 × 20 s


def test_config_at_the_repository_root_applies_when_scanning_from_a_subdirectory(write, tmp_path, monkeypatch):
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/.crosswire.toml", 'fail-on = "never"\n')
    write("repo/infra/stack.yaml", STACK)
    monkeypatch.chdir(tmp_path / "repo" / "infra")
    run = scan_json("--select", "CW302", ".")
    assert (run.code, run.findings()) == (0, {CW302})
    monkeypatch.chdir(tmp_path)
    run = scan_json("--select", "CW302", "repo/infra/stack.yaml")
    assert (run.code, run.findings()) == (0, {CW302})


def test_the_nearest_configuration_wins(write):
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/pyproject.toml", '[tool.crosswire]\nfail-on = "never"\n')
    write("repo/infra/.crosswire.toml", 'fail-on = "warning"\n')
    write("repo/infra/stack.yaml", STACK)
    assert scan_json("--select", "CW302", "repo/infra").code == 1


def test_a_pyproject_without_a_crosswire_table_is_passed_over_on_the_way_up(write):
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/.crosswire.toml", 'fail-on = "never"\n')
    write("repo/infra/pyproject.toml", '[project]\nname = "infra"\n')
    write("repo/infra/stack.yaml", STACK)
    assert scan_json("--select", "CW302", "repo/infra").code == 0


def test_the_search_stops_at_the_repository_root(write, tmp_path, monkeypatch):
    write(".crosswire.toml", 'fail-on = "never"\n')  # above the repository: not its configuration
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/infra/stack.yaml", STACK)
    monkeypatch.chdir(tmp_path / "repo" / "infra")
    assert scan_json("--select", "CW302", ".").code == 1
    monkeypatch.chdir(tmp_path)
    assert scan_json("--select", "CW302", "repo/infra").code == 1


def test_outside_a_repository_the_search_stops_at_the_current_directory(write, tmp_path, monkeypatch):
    write(".crosswire.toml", 'fail-on = "never"\n')
    write("work/infra/stack.yaml", STACK)
    monkeypatch.chdir(tmp_path / "work")
    assert scan_json("--select", "CW302", "infra").code == 1
    monkeypatch.chdir(tmp_path)
    assert scan_json("--select", "CW302", "work/infra").code == 0


def test_paths_under_different_configurations_are_a_usage_error(write):
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/a/.crosswire.toml", 'fail-on = "never"\n')
    write("repo/a/stack.yaml", STACK)
    write("repo/b/stack.yaml", STACK)
    run = scan_json("--select", "CW302", "repo/a", "repo/b")
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        "crosswire: error: the scanned paths have different configurations (repo/a: repo/a/.crosswire.toml; "
        "repo/b: none); scan them one configuration at a time, or name one with --config\n"
    )
    run = scan_json("--select", "CW302", "repo/a", "repo/b", "--config", "repo/a/.crosswire.toml")
    assert run.code == 0
    assert [f["file"] for f in run.report["findings"]] == ["repo/a/stack.yaml", "repo/b/stack.yaml"]


def test_skip_paths_of_a_found_configuration_are_relative_to_its_folder(write, tmp_path, monkeypatch):
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/.crosswire.toml", 'skip-paths = ["infra/legacy"]\n')
    write("repo/infra/legacy/stack.yaml", STACK)
    write("repo/infra/live/stack.yaml", STACK)
    monkeypatch.chdir(tmp_path / "repo" / "infra")
    run = scan_json("--select", "CW302", ".")
    assert [f["file"] for f in run.report["findings"]] == ["live/stack.yaml"]


def test_skip_path_on_the_command_line_replaces_the_configuration(write):
    write(".crosswire.toml", 'skip-paths = ["legacy"]\n')
    write("legacy/stack.yaml", STACK)
    write("live/stack.yaml", STACK)
    write("sandbox/stack.yaml", STACK)
    run = scan_json("--select", "CW302", ".", "--skip-path", "sandbox", "--skip-path", "live/*.yaml")
    assert [f["file"] for f in run.report["findings"]] == ["legacy/stack.yaml"]
    assert run.report["summary"]["files"] == 1


def test_a_dedicated_file_written_like_the_pyproject_table_says_how_to_write_it(write):
    write("stack.yaml", STACK)
    write(".crosswire.toml", '[tool.crosswire]\nfail-on = "never"\n')
    run = scan_json("--select", "CW302", ".")
    assert (run.code, run.err) == (
        2,
        "crosswire: error: .crosswire.toml: tool: unknown key (this file takes the keys of [tool.crosswire] at its "
        "top level, unprefixed)\n",
    )


def test_ignore_on_the_command_line_that_matches_no_check_is_a_usage_error(write):
    write("stack.yaml", STACK)
    run = run_cli("scan", "--select", "CW302", ".", "--ignore", "CW3O2")
    assert (run.code, run.out) == (2, "")
    assert run.err == ("crosswire: error: --ignore: 'CW3O2' is not a check ID or prefix (expected e.g. CW302 or CW3)\n")
    run = run_cli("scan", "--select", "CW302", ".", "--ignore", "CW320")
    assert (run.code, run.err) == (
        2,
        "crosswire: error: --ignore: CW320 matches no check (closest: CW310, CW309, CW308); "
        "`crosswire checks` lists them\n",
    )


def test_ids_in_the_configuration_that_match_no_check_are_a_usage_error(write):
    write("stack.yaml", STACK)
    write("pyproject.toml", '[tool.crosswire]\nignore = ["CW9"]\n')
    run = scan_json("--select", "CW302", ".")
    assert (run.code, run.err) == (
        2,
        "crosswire: error: pyproject.toml: tool.crosswire.ignore: CW9 matches no check; "
        "`crosswire checks` lists them\n",
    )
    write("pyproject.toml", '[tool.crosswire]\nselect = ["CW1", "CW0"]\n')
    run = scan_json("--select", "CW302", ".")
    assert (run.code, run.err) == (
        2,
        "crosswire: error: pyproject.toml: tool.crosswire.select: CW0 matches no check; "
        "`crosswire checks` lists them\n",
    )


def test_a_param_no_template_declares_is_a_warning_naming_the_closest(write):
    write("stack.yaml", STACK)
    run = scan_json("--select", "CW302", ".", "--param", "QueueVisibilty=900")
    assert (run.code, run.findings()) == (1, {CW302})  # the misspelt value is not used
    assert run.err == (
        "crosswire: warning: --param QueueVisibilty: no scanned template declares this parameter "
        "(closest: QueueVisibility)\n"
    )
    run = scan_json("--select", "CW302", ".", "--param", "QueueVisibility=900")
    assert (run.code, run.findings(), run.err) == (0, set(), "")


def test_a_var_no_root_module_declares_is_a_warning_naming_the_closest(write):
    write(
        "main.tf",
        'variable "queue_visibility" {\n  type = number\n}\nvariable "queue_name" {\n  default = "q"\n}\n',
    )
    run = scan_json("--select", "CW302", ".", "--var", "queue_visibilty=900", "--var", "queue_name=orders")
    assert run.code == 0
    assert run.err == (
        "crosswire: warning: --var queue_visibilty: no scanned root module declares this variable "
        "(closest: queue_visibility)\n"
    )


def test_the_readme_configuration_examples_are_accepted_as_written(write):
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    pyproject, dedicated = re.findall(r"```toml\n(.*?)```", readme, re.DOTALL)
    write("stack.yaml", STACK)
    write("checks/README.md", "the team's own checks go here (checks-dir)\n")
    for name, text in (("pyproject.toml", pyproject), (".crosswire.toml", dedicated)):
        write(name, text)
        run = scan_json(".", "--config", name, any_check=True)
        assert (run.code, run.err) == (0, ""), name  # fail-on error: CW302 is a warning
        assert ("CW302", "Queue", 7) in run.findings()


def test_a_found_configuration_that_leads_outside_the_repository_is_refused(write, tmp_path):
    write("elsewhere/.crosswire.toml", 'fail-on = "never"\n')
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/infra/stack.yaml", STACK)
    (tmp_path / "repo" / ".crosswire.toml").symlink_to(tmp_path / "elsewhere" / ".crosswire.toml")
    run = scan_json("--select", "CW302", "repo/infra")
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        "crosswire: error: repo/.crosswire.toml: a symlink that leads outside the repository; crosswire does not "
        "read it\n"
    )
    (tmp_path / "repo" / ".crosswire.toml").unlink()
    (tmp_path / "repo" / "pyproject.toml").symlink_to(tmp_path / "elsewhere" / ".crosswire.toml")
    run = scan_json("--select", "CW302", "repo/infra")
    assert (run.code, run.err) == (
        2,
        "crosswire: error: repo/pyproject.toml:1: repo/pyproject.toml is a symlink that leads outside the scanned "
        "tree\n",
    )


def test_graph_warns_about_an_undeclared_param_and_honours_skip_path(write):
    write("stack.yaml", STACK)
    write("legacy/stack.yaml", STACK)
    run = run_cli("graph", ".", "--param", "Visibility=900", "--skip-path", "legacy")
    assert run.code == 0
    assert run.err == (
        "crosswire: warning: --param Visibility: no scanned template declares this parameter (closest: "
        "QueueVisibility)\n"
    )
    assert sorted({node["span"]["file"] for node in json.loads(run.out)["nodes"]}) == ["stack.yaml"]


def test_isolated_reads_no_configuration(write):
    write(".crosswire.toml", 'ignore = ["CW"]\n')
    write("stack.yaml", STACK)
    assert scan_json(".", "--select", "CW302").findings() == set()
    assert scan_json(".", "--select", "CW302", "--isolated").findings() == {("CW302", "Queue", 7)}
    both = scan_json(".", "--select", "CW302", "--isolated", "--config", ".crosswire.toml")
    assert (both.code, both.err) == (2, "crosswire: error: --isolated reads no configuration file: leave out --config\n")
