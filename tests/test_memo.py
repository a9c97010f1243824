"""The scan memo (crosswire.memo): `crosswire scan` on files that did not change writes, byte for byte, what the scan
wrote, without loading anything; any change the scan could see is a miss; a broken record is a miss and is
rewritten; concurrent scans leave records whole; --no-cache neither reads nor writes one."""

from __future__ import annotations

import io
import json
import marshal
import os
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from test_cache import TEMPLATE  # a template with a CW301 finding on line 3

import crosswire
from conftest import ROOT, Run
from crosswire import cache, cli, console, fs, memo

QUEUE = """\
resource "aws_sqs_queue" "jobs" {
  name                       = "jobs"
  visibility_timeout_seconds = var.visibility
}

variable "visibility" {
  type    = number
  default = VISIBILITY
}
"""

FUNCTION = """\
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}
"""

SCAN = ("scan", "--select", "CW301", "--format", "json", "tree")


@pytest.fixture
def tree(write, tmp_path, monkeypatch):
    """A Terraform module (queue and consumer in two files) and a template under tree/, each with a CW301 finding,
    in a git repository; the cache under cache/."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / ".git").mkdir()
    write("tree/terraform/queue.tf", QUEUE.replace("VISIBILITY", "30"))
    write("tree/terraform/function.tf", FUNCTION)
    write("tree/template.yaml", TEMPLATE)
    return tmp_path


@pytest.fixture
def scans(monkeypatch):
    """Runs of the `crosswire` command in-process; `scans.ran` counts those that scanned (not replayed)."""
    ran: list[list[str]] = []
    main = cli.main

    def counted(argv):
        ran.append(list(argv))
        return main(argv)

    monkeypatch.setattr(cli, "main", counted)

    def command(*args: str) -> Run:
        monkeypatch.setattr(sys, "argv", ["crosswire", *args])
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = console.main()
        return Run(code, out.getvalue(), err.getvalue())

    command.ran = ran  # type: ignore[attr-defined]
    return command


def findings(run: Run) -> list[tuple[str, str, int]]:
    return [(f["check_id"], f["file"], f["line"]) for f in run.report["findings"]]


def records(root: Path) -> dict[str, bytes]:
    folder = root / "cache" / "crosswire" / "scans"
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}


BOTH = [("CW301", "tree/template.yaml", 3), ("CW301", "tree/terraform/queue.tf", 1)]


def test_a_replay_writes_byte_for_byte_what_the_scan_wrote(tree, scans):
    (tree / "tree" / ".crosswire.toml").write_text('skip-paths = ["nothing-here"]\n')
    args = ("scan", "--select", "CW301", "--format", "text", "--format", "sarif", "--output-file", "out.sarif")
    args += ("--param", "Unused=1", "tree")
    first = scans(*args)
    report = (tree / "out.sarif").read_text()
    (tree / "out.sarif").unlink()
    second = scans(*args)
    assert len(scans.ran) == 1  # the second run was replayed
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    assert "crosswire: warning: --param Unused: no scanned template declares this parameter" in second.err
    assert "tree/terraform/queue.tf:1: CW301 error" in second.out
    assert (tree / "out.sarif").read_text() == report
    unmemoized = scans(*args, "--no-cache")
    assert (unmemoized.code, unmemoized.out, unmemoized.err) == (first.code, first.out, first.err)


def test_a_replay_loads_nothing(tree):
    """What the command imports when it replays: the memo and the reader, not the loaders, checks or reporters."""
    code = (
        "import sys\n"
        "sys.argv = ['crosswire', *sys.argv[1:]]\n"
        "from crosswire.console import main\n"
        "code = main()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('crosswire.', 'hcl2', 'lark', 'cfnlint', 'yaml'))),"
        " file=sys.stderr)\n"
    )
    environment = dict(os.environ, XDG_CACHE_HOME=str(tree / "cache"))
    command = [sys.executable, "-c", code, *SCAN]
    cold, warm = (subprocess.run(command, cwd=tree, env=environment, capture_output=True, text=True) for _ in "ab")
    assert warm.stdout == cold.stdout
    assert "crosswire.loaders" in cold.stderr
    loaded = warm.stderr.strip().splitlines()[-1]
    replayed = ["crosswire.cache", "crosswire.console", "crosswire.fs", "crosswire.inputs", "crosswire.memo"]
    assert loaded == str([*replayed, "crosswire.outputs"])


def edit(path: Path) -> None:
    path.write_text(path.read_text().replace("default = 30", "default = 360"))


def add_fixed_copy(path: Path) -> None:
    (path.parent / "override.tf").write_text('variable "visibility" {\n  default = 360\n}\n')


def remove_function(path: Path) -> None:
    (path.parent / "function.tf").unlink()


def rename_into_skipped_folder(path: Path) -> None:
    (path.parent / "node_modules").mkdir()
    (path.parent / "function.tf").rename(path.parent / "node_modules" / "function.tf")


def tfvars(path: Path) -> None:
    (path.parent / "terraform.tfvars").write_text("visibility = 360\n")


def configuration(path: Path) -> None:
    (path.parent.parent / ".crosswire.toml").write_text('skip-paths = ["terraform"]\n')


def configuration_above(path: Path) -> None:
    """The configuration file found above the scanned folder, up to the repository's root."""
    (path.parent.parent.parent / "pyproject.toml").write_text('[tool.crosswire]\nskip-paths = ["tree/terraform"]\n')


def symlink_moved(path: Path) -> None:
    """The module's queue file is a symlink: it now leads to a copy with the fixed timeout."""
    fixed = path.parent.parent / "fixed-queue.tf.txt"
    fixed.write_text(path.read_text().replace("default = 30", "default = 360"))
    path.unlink()
    path.symlink_to(fixed)


def symlink_outside(path: Path) -> None:
    outside = path.parent.parent.parent / "outside.tf"
    outside.write_text(path.read_text())
    path.unlink()
    path.symlink_to(outside)


def same_content_touched(path: Path) -> None:
    os.utime(path, (1_000_000_000, 1_000_000_000))


CHANGES = {
    edit: [("CW301", "tree/template.yaml", 3)],
    add_fixed_copy: [("CW301", "tree/template.yaml", 3)],
    remove_function: [("CW301", "tree/template.yaml", 3)],
    rename_into_skipped_folder: [("CW301", "tree/template.yaml", 3)],
    tfvars: [("CW301", "tree/template.yaml", 3)],
    configuration: [("CW301", "tree/template.yaml", 3)],
    configuration_above: [("CW301", "tree/template.yaml", 3)],
    symlink_moved: [("CW301", "tree/template.yaml", 3)],
    symlink_outside: [("CW301", "tree/template.yaml", 3)],
    same_content_touched: BOTH,
}


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_what_the_scan_could_see_change_is_a_miss(tree, scans, change):
    if change is symlink_moved:  # the record was made with the file behind a symlink already
        target = tree / "tree" / "queue.tf.txt"
        target.write_text((tree / "tree" / "terraform" / "queue.tf").read_text())
        (tree / "tree" / "terraform" / "queue.tf").unlink()
        (tree / "tree" / "terraform" / "queue.tf").symlink_to(target)
    assert findings(scans(*SCAN)) == BOTH
    change(tree / "tree" / "terraform" / "queue.tf")
    after = scans(*SCAN)
    assert findings(after) == CHANGES[change]
    assert len(scans.ran) == (1 if change is same_content_touched else 2)
    if change is symlink_outside:
        assert after.code == 2
        assert after.report["errors"][0]["message"].endswith("is a symlink that leads outside the scanned tree")


def test_variables_from_the_environment_are_part_of_the_key(tree, scans, monkeypatch):
    (tree / "tree" / "terraform" / "queue.tf").write_text(QUEUE.replace("  default = VISIBILITY\n", ""))
    monkeypatch.setenv("TF_VAR_visibility", "30")
    assert findings(scans(*SCAN, "--var-env")) == BOTH
    monkeypatch.setenv("TF_VAR_visibility", "360")
    assert findings(scans(*SCAN, "--var-env")) == [("CW301", "tree/template.yaml", 3)]
    assert len(scans.ran) == 2


def test_another_current_folder_is_a_miss(tree, scans, monkeypatch):
    assert findings(scans(*SCAN)) == BOTH
    monkeypatch.chdir(tree / "tree")
    (tree / "tree" / "tree").mkdir()
    (tree / "tree" / "tree" / "template.yaml").write_text(TEMPLATE)
    assert findings(scans(*SCAN)) == [("CW301", "tree/template.yaml", 3)]
    assert len(scans.ran) == 2


def test_another_crosswire_version_is_a_miss(tree, scans, monkeypatch):
    scans(*SCAN)
    monkeypatch.setattr(crosswire, "__version__", "999.0.0")
    assert findings(scans(*SCAN)) == BOTH
    assert len(scans.ran) == 2


@pytest.mark.parametrize("damage", [b"", b"not a record", b"CWPARSE1" + bytes(16) + b"garbage", "valid-but-foreign"])
def test_a_corrupt_record_is_a_miss_and_is_rewritten(tree, scans, damage):
    reference = scans(*SCAN)
    written = records(tree)
    assert len(written) == 1
    for name in written:
        path = tree / "cache" / "crosswire" / "scans" / name
        if damage == "valid-but-foreign":
            cache._write(str(path), b"\x00 not marshal data")
        else:
            path.write_bytes(damage)
    again = scans(*SCAN)
    assert (again.code, again.out, again.err) == (reference.code, reference.out, reference.err)
    assert len(scans.ran) == 2
    assert records(tree) == written


def test_no_cache_neither_reads_nor_writes_a_record(tree, scans):
    scans(*SCAN)
    (tree / "tree" / "terraform" / "queue.tf").write_text(QUEUE.replace("VISIBILITY", "360"))
    before = records(tree)
    fs.stop()
    assert findings(scans(*SCAN, "--no-cache")) == [("CW301", "tree/template.yaml", 3)]
    assert len(scans.ran) == 2
    assert records(tree) == before


def test_what_is_not_replayable_is_not_recorded(tree, scans):
    """Writing a baseline, another command, a report that cannot be written: run every time."""
    scans("scan", "--select", "CW301", "--write-baseline", "baseline.json", "tree")
    scans("graph", "tree")
    scans(*SCAN[:-1], "--output-file", "missing-folder/out.json", "tree")
    assert records(tree) == {}


def test_a_scan_that_saw_the_files_change_keeps_no_record(tree):
    fs.start()
    fs.note("read", ("a.tf", "a.tf", None, 1), ("ok", b"1"))
    fs.note("read", ("a.tf", "a.tf", None, 1), ("ok", b"2"))
    assert fs.take() is None
    fs.stop()


def test_concurrent_scans_leave_records_whole(tree, write):
    for index in range(20):  # enough root modules for the worker processes
        write(f"tree/m{index}/main.tf", QUEUE.replace("VISIBILITY", str(10 + index)) + FUNCTION)
    environment = dict(os.environ, XDG_CACHE_HOME=str(tree / "cache"))

    def run(*extra: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "crosswire", *SCAN[:-1], *extra, "tree"]
        return subprocess.Popen(command, cwd=tree, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    reference = run("--no-cache").communicate()[0]
    for _ in range(2):
        running = [run() for _ in range(2)]
        assert [r.communicate()[0] for r in running] == [reference, reference]
    written = records(tree)
    assert len(written) == 1
    assert all(cache._read(str(tree / "cache" / "crosswire" / "scans" / name)) for name in written)
    # a change to a module loaded in a worker process is seen
    write("tree/m7/main.tf", QUEUE.replace("VISIBILITY", "9999") + FUNCTION)
    changed = run().communicate()[0]
    assert changed != reference and b"tree/m7/main.tf" in reference and b"tree/m7/main.tf" not in changed


def test_every_file_a_scan_opens_is_looked_at_through_a_probe(tree, scans, write):
    """The journal is complete: every file or folder under the tree that a recorded scan opens or lists, it opens
    inside a probe of crosswire.fs (a read elsewhere would be a change the memo cannot see)."""
    write("tree/terraform/main.tf", 'module "q" {\n  source = "./modules/q"\n}\n')
    write("tree/terraform/modules/q/main.tf", 'resource "aws_sqs_queue" "q" {\n  policy = file("p.json")\n}\n')
    write("tree/terraform/modules/q/p.json", "{}")
    write("tree/terraform/.terraform/modules/modules.json", '{"Modules": []}')
    write("tree/terraform/x.auto.tfvars", "visibility = 30\n")
    example = sorted((ROOT / "docs" / "user-checks").glob("*.yaml"))[0]
    write("checks/mine.yaml", example.read_text())
    write(".crosswire.toml", 'checks-dir = "checks"\n')
    outside: list[tuple[str, str]] = []
    root = str(tree)
    watching = [True]

    def hook(event: str, arguments: tuple) -> None:
        if not watching[0] or event not in ("open", "os.listdir", "os.scandir") or not arguments:
            return
        path = arguments[0]
        if isinstance(path, (str, bytes, os.PathLike)) and not isinstance(path, int):
            full = os.path.abspath(os.fsdecode(path))
            imports = "__editable__" in full  # the import system of an editable install, importing a module
            if full.startswith(root) and not full.startswith(str(tree / "cache")) and not imports and not fs.inside():
                outside.append((event, full))

    sys.addaudithook(hook)
    try:
        run = scans("scan", "--format", "json", "--select", "CW301", "tree")
    finally:
        watching[0] = False
    assert run.code in (0, 1), run.err
    assert outside == []


def test_every_look_at_the_file_system_goes_through_crosswire_fs():
    """No module of crosswire asks the file system about the scanned tree but through crosswire.fs (or the reader,
    crosswire.inputs); the parse cache, report writing and the memo look only at their own files."""
    own = {"fs.py", "inputs.py", "cache.py", "outputs.py", "memo.py", "hcl_parser.py"}
    allowed = [
        ("plugin/baseline.py", 'with open(path, "w", encoding="utf-8")'),  # --write-baseline, never recorded
        ("plugin/cli.py", "Path(__file__).resolve()"),  # `crosswire checkov-dir`: the installed package
        ("plugin/reporters/sarif.py", "PurePosixPath(file)"),  # pure: no look at the file system
        ("plugin/docs.py", "Path(__file__).resolve()"),  # check pages: crosswire's own examples
        ("plugin/docs.py", "Path(m.docs).name"),
    ]
    pattern = re.compile(
        r"os\.path\.(exists|lexists|isdir|isfile|islink|realpath|getsize)\(|os\.(listdir|scandir|walk|stat|lstat|"
        r"readlink)\(|[^.\w]open\(|Path\("
    )
    offenders = []
    for folder in ("plugin", "checks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name in own or "adapters" in path.parts:
                continue
            shown = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line) and not any(shown == f and text in line for f, text in allowed):
                    offenders.append(f"{shown}:{number}: {line.strip()}")
    assert offenders == []


def test_the_key_is_none_for_what_is_never_recorded():
    assert memo.key(["scan", "--no-cache", "."]) is None
    assert memo.key(["scan", "--write-baseline=b.json", "."]) is None
    assert memo.key(["graph", "."]) is None
    assert memo.key([]) is None
    assert memo.key(["scan", "."]) != memo.key(["scan", "./"])


def test_a_scan_asks_where_a_path_leads_once(tmp_path, monkeypatch):
    """During a scan (fs.scan) the answers about a path are kept: every read asked where the tree's root leads."""
    asked: list[str] = []
    probe = fs._probes["realpath"]
    monkeypatch.setitem(fs._probes, "realpath", lambda path: asked.append(path) or probe(path))
    fs.realpath(str(tmp_path))
    fs.realpath(str(tmp_path))
    with fs.scan():
        assert fs.realpath(str(tmp_path)) == fs.realpath(str(tmp_path)) == os.path.realpath(tmp_path)
    assert asked == [str(tmp_path)] * 3


def test_a_changed_baseline_or_user_check_is_a_miss(tree, scans):
    scans("scan", "--select", "CW301", "--write-baseline", "baseline.json", "tree")
    example = sorted((ROOT / "docs" / "user-checks").glob("*.yaml"))[0]
    (tree / "checks").mkdir()
    (tree / "checks" / example.name).write_text(example.read_text())
    args = (*SCAN[:-1], "--baseline", "baseline.json", "--checks-dir", "checks", "tree")
    first = scans(*args)
    assert findings(first) == []  # both findings are in the baseline
    accepted = json.loads((tree / "baseline.json").read_text())
    (tree / "baseline.json").write_text(json.dumps(accepted | {"fingerprints": [], "findings": []}))
    assert findings(scans(*args)) == BOTH
    (tree / "checks" / example.name).write_text("id: [")
    broken = scans(*args)
    assert broken.code == 2 and f"checks/{example.name}" in broken.err
    assert len(scans.ran) == 4


def test_a_report_that_cannot_be_written_now_runs_the_scan_without_showing_the_record_first(tree, scans):
    """A replay writes the recorded reports before anything on stdout: when one cannot be written any more, the
    scan runs and says why, and stdout holds its report once, not the record's and then the scan's."""
    (tree / "reports").mkdir()
    args = (*SCAN[:-2], "text", "--format", "json", "--output-file", "reports/out.json", "tree")
    first = scans(*args)
    (tree / "reports" / "out.json").unlink()
    (tree / "reports").rmdir()
    again = scans(*args)
    assert len(scans.ran) == 2
    assert again.out == first.out
    assert again.code == 2 and "cannot write --output-file reports/out.json" in again.err


def test_a_foreign_record_with_a_valid_checksum_is_a_miss(tree, scans):
    reference = scans(*SCAN)
    for name in records(tree):
        payload = ([], [("stdout", "forged\n")], "zero")  # nothing to look at again, and no exit code
        cache._write(str(tree / "cache" / "crosswire" / "scans" / name), marshal.dumps(payload))
    again = scans(*SCAN)
    assert (again.code, again.out) == (reference.code, reference.out)
    assert len(scans.ran) == 2


def crosswire_command(root: Path, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """The `crosswire` command itself, in `root`, with the cache under root/cache (and no PYTHONPATH of ours)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment.update(XDG_CACHE_HOME=str(root / "cache"), **env)
    command = [sys.executable, "-c", "import sys; from crosswire.console import main; sys.exit(main())", *args]
    return subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True, timeout=timeout)


def test_another_installed_documentation_url_is_a_miss(tree):
    """Reports link the check pages from the installed distribution's metadata (check.docs_root): another
    Documentation URL (a reinstall, or another distribution earlier on sys.path) is not replayed with the old links
    (found by review)."""
    dist = tree / "site" / "crosswire-9.9.dist-info"
    dist.mkdir(parents=True)
    metadata = "Metadata-Version: 2.1\nName: crosswire\nVersion: 9.9\n"
    (dist / "METADATA").write_text(metadata + "Project-URL: Documentation, https://docs.example.org/v2\n")
    crosswire_command(tree, *SCAN)  # recorded
    now = crosswire_command(tree, "scan", "--no-cache", *SCAN[1:], PYTHONPATH=str(tree / "site"))
    replayed = crosswire_command(tree, *SCAN, PYTHONPATH=str(tree / "site"))
    assert "https://docs.example.org/v2/checks/" in now.stdout
    assert replayed.stdout == now.stdout


def test_a_dangling_symlink_among_crosswire_files_is_no_traceback(tree):
    """The code stamp looks at every file of crosswire's folders: an editor's lock file (Emacs leaves `.#cli.py`,
    a symlink to nothing) made every scan a traceback (found by review)."""
    lock = Path(crosswire.__file__).parent / ".#cli.py"
    lock.symlink_to("user@host.12345:1700000000")
    try:
        run = crosswire_command(tree, *SCAN)
    finally:
        lock.unlink()
    assert "Traceback" not in run.stderr, run.stderr[-300:]
    assert findings(Run(run.returncode, run.stdout, run.stderr)) == BOTH


@pytest.mark.parametrize(
    ("abbreviated", "code", "untouched"),
    [("--no-cach", 1, "cache"), ("--no-c", 1, "cache"), ("--write-base=b.json", 0, "cache/crosswire/scans")],
)
def test_an_abbreviated_option_that_records_nothing_reads_nothing(tree, abbreviated, code, untouched):
    """argparse takes `--no-cach` for --no-cache: such a scan touches no cache at all, and a baseline written
    records nothing (found by review: the replay looked for a record, making the cache folder)."""
    run = crosswire_command(tree, *SCAN[:-1], abbreviated, "tree")
    assert run.returncode == code, run.stderr
    assert not (tree / untouched).exists()
