"""Issue 13's data: failures grouped, CloudWatch links, parallel slots, the cost estimate, every final metric."""

from __future__ import annotations

from botocore.exceptions import ClientError

from amt_pipeline.report.render import render_report
from amt_pipeline.settings import ExtractSettings
from amt_pipeline.trials.failures import failure_groups, log_stream_url, normalise_reason
from amt_pipeline.trials.spend import parallel_slots, spend
from amt_pipeline.trials.training_details import add_training_details
from tests.synthetic import report_input

ARN = "arn:aws:sagemaker:eu-west-1:111122223333:training-job/xgb-007-abc"


def test_a_failure_reason_loses_what_is_particular_to_one_trial():
    reason = "ClientError: xgb-007-abc ran out of memory after 8514 MB at s3://b/k/1 (id 3f2a9c1b7e)"
    assert normalise_reason(reason, "xgb-007-abc") == (
        "ClientError: <training job> ran out of memory after <n> MB at <s3 uri> (id <id>)"
    )
    assert normalise_reason(None) == "no reason given"
    assert normalise_reason("exit code 137") == "exit code 137"  # small numbers carry meaning


def test_failures_group_by_reason_most_frequent_first_with_one_example_each():
    rows = [
        {"TrainingJobName": f"j-{i}", "TrainingJobStatus": "Failed",
         "FailureReason": f"OOM in j-{i} after {1000 + i} MB"}
        for i in range(3)
    ] + [{"TrainingJobName": "j-9", "TrainingJobStatus": "Failed", "FailureReason": "bad eta"},
         {"TrainingJobName": "j-10", "TrainingJobStatus": "Completed"}]
    groups = failure_groups(rows)
    assert [(g["reason"], g["count"]) for g in groups] == [("OOM in <training job> after <n> MB", 3), ("bad eta", 1)]
    assert groups[0]["example"]["failure_reason"] == "OOM in j-0 after 1000 MB"


def test_a_trial_that_ran_on_aws_links_to_its_log_streams_and_a_local_one_does_not():
    url = log_stream_url(ARN, "xgb-007-abc")
    assert url == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/"
        "$252Faws$252Fsagemaker$252FTrainingJobs$3FlogStreamNameFilter$3Dxgb-007-abc$252Falgo-1"
    )
    assert log_stream_url("arn:aws:sagemaker:us-east-1:123456789012:training-job/x", "x") is None
    assert log_stream_url(None, "x") is None
    # And the report links it
    ri = report_input(14, failed_every=7)
    for row in ri.trials:
        row["TrainingJobArn"] = row["TrainingJobArn"].replace("123456789012", "111122223333")
    page = render_report(ri)
    assert "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:" in page


def test_trials_share_parallel_slots_without_overlapping():
    spans = [(0, 10), (1, 5), (6, 12), (10, 11), (2, 3)]
    assert parallel_slots(spans) == [1, 2, 2, 1, 3]


def test_the_cost_uses_billable_seconds_the_table_or_a_given_price_and_never_guesses():
    job = {"TrainingJobDefinition": {"ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 2}}}
    rows = [{"BillableTimeInSeconds": 3600, "TrainingElapsedTimeSeconds": 3700.0}]
    assert spend(job, rows)["estimated_cost_usd"] == 0.23  # 1 h x 2 instances x $0.115
    assert spend(job, rows, price_per_hour=1.0)["estimated_cost_usd"] == 2.0
    odd = {"TrainingJobDefinition": {"ResourceConfig": {"InstanceType": "ml.x99.huge"}}}
    out = spend(odd, rows)
    assert out["estimated_cost_usd"] is None and out["unpriced_instance_types"] == ["ml.x99.huge"]
    assert "no price for ml.x99.huge" in render_report(_with_instance(report_input(10), "ml.x99.huge"))


def _with_instance(ri, kind):
    for row in ri.trials:
        row["InstanceType"] = kind
    return ri


class _SageMaker:
    def __init__(self, fails: str) -> None:
        self.fails = fails

    def describe_training_job(self, *, TrainingJobName: str) -> dict:
        if TrainingJobName == self.fails:
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "DescribeTrainingJob")
        return {
            "FinalMetricDataList": [{"MetricName": "train:accuracy", "Value": 0.99},
                                    {"MetricName": "validation:accuracy", "Value": 0.9}],
            "BillableTimeInSeconds": 61,
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
        }


def test_every_final_metric_and_the_billable_time_come_from_one_describe_per_trial():
    ri = report_input(3, failed_every=0, stopped_every=0, details=False)
    add_training_details(ri, _SageMaker(fails=ri.trials[0]["TrainingJobName"]))
    assert all(r["FinalMetric:train:accuracy"] == 0.99 and r["BillableTimeInSeconds"] == 61 for r in ri.trials[1:])
    assert "BillableTimeInSeconds" not in ri.trials[0]  # a failed describe keeps the row as listed


def test_the_stack_parameter_sets_the_price_and_empty_means_the_table():
    base = {"BUCKET_NAME": "b", "IDEMPOTENCY_TABLE_NAME": "t"}
    assert ExtractSettings.from_env({**base, "TRAINING_PRICE_PER_HOUR": ""}).training_price_per_hour is None
    assert ExtractSettings.from_env({**base, "TRAINING_PRICE_PER_HOUR": "0.5"}).training_price_per_hour == 0.5


def test_the_two_way_map_uses_a_log_axis_for_a_logarithmic_range_and_shows_the_trials():
    import json

    from amt_pipeline.report import views
    from amt_pipeline.report.frame import chart_data

    data = chart_data(report_input(80))
    alpha, eta = (next(p for p in data.params if p.name == name) for name in ("alpha", "eta"))
    surface = views.surface_rows(data, alpha, eta)
    assert 0 < len(surface) <= views.GRID**2
    spec = json.dumps(views.contour_spec(data, alpha, eta))
    assert '"type": "log"' in spec and "alpha (log scale)" in spec
    assert '"name": "surface"' in spec and '"name": "trials"' in spec  # the map, and the trials as points


def test_the_two_way_map_leaves_blank_the_cells_with_fewer_than_two_trials_near():
    from amt_pipeline.report import views
    from amt_pipeline.report.frame import chart_data

    # Given 39 trials crowded near the low corner of (alpha, eta) and one lone trial at the high corner
    ri = report_input(40, failed_every=0, stopped_every=0)
    for i, row in enumerate(ri.trials):
        row["alpha"], row["eta"] = (0.5, 0.5) if i == 0 else (0.01 + 0.001 * (i % 6), 0.1 + 0.004 * (i // 6))
    data = chart_data(ri)
    alpha, eta = (next(p for p in data.params if p.name == name) for name in ("alpha", "eta"))
    # When the map is computed
    cells = views.surface_rows(data, alpha, eta)
    # Then the crowd's cells are drawn and the lone trial's corner stays blank (its kernel alone coloured it)
    assert any(c["a"] < 0.02 and c["b"] < 0.13 for c in cells)
    assert [c for c in cells if c["a"] > 0.1 or c["b"] > 0.3] == []
