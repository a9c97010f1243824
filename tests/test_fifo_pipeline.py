"""Issue 11's acceptance pipeline, judged by the whole catalogue: FIFO topic -> FIFO queue with a FIFO dead-letter
queue -> Lambda with BatchSize 10 and ReportBatchItemFailures gives no finding of any check; the same pipeline with
a standard dead-letter queue gives CW306 on the queue, and nothing else.

The scans select every check (`--select CW`), so a new check that finds fault with a sound FIFO pipeline fails
here: the test is about the whole catalogue, not about the checks it names."""

from __future__ import annotations

import pytest

from conftest import ROOT, scan_json
from crosswire.access import may
from crosswire.iam import Decision
from crosswire.model import Function, Queue, Topic
from crosswire.runner import ScanOptions, load

PIPELINES = ROOT / "tests" / "inputs" / "fifo-pipeline"

EXPECTED = {
    ("fifo-dlq", "cloudformation"): set(),
    ("fifo-dlq", "terraform"): set(),
    ("standard-dlq", "cloudformation"): {("CW306", "Orders", 11)},
    ("standard-dlq", "terraform"): {("CW306", "aws_sqs_queue.orders", 8)},
}


@pytest.mark.parametrize(("pipeline", "fmt"), sorted(EXPECTED), ids=["-".join(case) for case in sorted(EXPECTED)])
def test_every_check_judges_the_fifo_pipeline(pipeline, fmt):
    run = scan_json(str(PIPELINES / pipeline / fmt), "--select", "CW", "--fail-on", "never", any_check=True)
    assert run.code == 0, run.err
    assert run.report["errors"] == []
    assert run.report["unresolved"] == []  # every check could judge every resource: none passed by skipping
    assert run.findings() == EXPECTED[(pipeline, fmt)]


@pytest.mark.parametrize("fmt", ["cloudformation", "terraform"])
def test_the_sound_pipeline_grants_what_its_services_and_consumer_need(fmt):
    # what the access checks will ask of it, so that the pipeline stays a sound one as they join the catalogue
    graph = load([str(PIPELINES / "fifo-dlq" / fmt)], ScanOptions()).graph
    (topic,) = graph.of_kind(Topic)
    (worker,) = graph.of_kind(Function)
    role = graph.role_of(worker)
    assert role is not None
    queues = {q.address.removeprefix("aws_sqs_queue."): q for q in graph.of_kind(Queue)}
    fed_by_sns = {"Orders", "UndeliveredOrderEvents", "orders", "undelivered_order_events"}
    for name, queue in queues.items():
        sent = may(graph, "sqs:SendMessage", queue, service="sns.amazonaws.com", source=topic)
        assert sent.decision is (Decision.YES if name in fed_by_sns else Decision.NO), (name, sent.reason)
    consumed = queues["Orders" if fmt == "cloudformation" else "orders"]
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
        assert may(graph, action, consumed, role=role).decision is Decision.YES, action
