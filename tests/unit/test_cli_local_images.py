"""`amt local run` prepares the image's environment first: an image it cannot play, or an environment
it cannot create, ends in one message and an exit code, before anything runs."""

from __future__ import annotations

import json

import pytest

from amt.cli import main
from amt.local.images import environment


def test_an_environment_that_cannot_be_created_is_a_configuration_error(tmp_path, monkeypatch, capsys) -> None:
    # Given pip cannot reach PyPI
    def no_network(spec, say=None):
        raise environment.ImagePullError("pip install xgboost==1.5.2 failed (1): no network")

    monkeypatch.setattr(environment, "prepare_image", no_network)
    monkeypatch.setattr("amt.local.images.prepare_image", no_network)
    config = tmp_path / "quick.json"
    config.write_text(json.dumps({"max_jobs": 2}))
    # When the user runs the pipeline locally
    code = main(["local", "run", str(config), "--out", str(tmp_path / "out")])
    # Then: exit 3 (configuration), what failed and what to do, nothing run
    err = capsys.readouterr().err
    assert code == 3
    assert "could not prepare the local image environment" in err and "no network" in err and "PyPI" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_an_image_the_engine_cannot_play_is_refused_with_the_reason(monkeypatch, capsys, tmp_path) -> None:
    from amt.local.images import UnsupportedImage

    def unplayable(version):
        raise UnsupportedImage(f"the local engine cannot play sagemaker-xgboost:{version} (test)")

    monkeypatch.setattr("amt.local.images.image_spec", unplayable)
    config = tmp_path / "in.json"
    config.write_text("{}")
    assert main(["local", "run", str(config), "--out", str(tmp_path / "out")]) == 1
    assert "algorithm_version: the local engine cannot play sagemaker-xgboost:1.5-1" in capsys.readouterr().err


@pytest.mark.parametrize("version", ["1.5-1", "1.7-1", "3.0-5", "3.2-0"])
def test_every_local_image_names_its_release_and_source(version) -> None:
    from amt.local.images import image_spec

    spec = image_spec(version)
    assert spec.requirement.endswith(f"=={spec.xgboost}") and "docker" in spec.source
