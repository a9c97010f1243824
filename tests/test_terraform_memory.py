"""What the Terraform loader holds once a scan's modules are loaded: not the parse trees of root modules that call
no local module (a tree of thousands of root modules is never held parsed whole)."""

from __future__ import annotations

import os

from crosswire.graph import Graph
from crosswire.loaders import terraform

QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
CALLER = 'module "shared" {\n  source = "../shared"\n}\n'


def test_a_root_module_that_calls_no_local_module_is_let_go_of_once_loaded(write):
    write("alone/main.tf", QUEUE)
    write("caller/main.tf", CALLER)
    write("shared/main.tf", QUEUE)
    tree = os.path.realpath(os.curdir)
    directories = [os.path.abspath(d) for d in ("alone", "caller", "shared")]
    loader = terraform.Loader(terraform.Variables(), trees=dict.fromkeys(directories, tree))
    outcome = loader.load(directories, Graph())
    assert outcome.resources == 2
    held = {os.path.basename(d): sorted(m.resources) for d, m in loader.parsed.items() if m is not None}
    assert held == {"alone": [], "caller": [], "shared": ["aws_sqs_queue.q"]}
    assert [os.path.basename(f) for f in loader.parsed[os.path.abspath("alone")].files] == ["main.tf"]
