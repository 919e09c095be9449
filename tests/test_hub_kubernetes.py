"""The large class's Zero to JupyterHub values (``hub/kubernetes/config.yaml``): accepted by
the chart's own values schema, and consistent with the learners' image (``binder/``)."""

import json
from pathlib import PurePosixPath

import jsonschema
import pytest
import yaml
from conftest import ROOT
from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

REFERENCE = ROOT.parent / "shared" / "reference" / "z2jh"  # the chart's files, for tests only
SCHEMA, DEFAULTS = REFERENCE / "values.schema.yaml", REFERENCE / "values.yaml"
CONFIG = ROOT / "hub" / "kubernetes" / "config.yaml"


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load(CONFIG.read_text())


def merged(defaults, values):
    """Helm's merge of a values file over the chart's defaults: mappings merged key by key,
    anything else replaced."""
    if not (isinstance(defaults, dict) and isinstance(values, dict)):
        return values
    return {**defaults, **{k: merged(defaults.get(k), v) for k, v in values.items()}}


@pytest.mark.skipif(not SCHEMA.exists(), reason=f"no z2jh values schema at {SCHEMA}")
def test_the_chart_accepts_the_values(config):
    """What ``helm install`` checks: the chart's defaults with our values over them, against
    the chart's JSON schema."""
    schema, defaults = (yaml.safe_load(path.read_text()) for path in (SCHEMA, DEFAULTS))
    validator = jsonschema.validators.validator_for(schema)(schema)

    def errors(values):
        return [
            f"{'.'.join(map(str, e.path))}: {e.message}"
            for e in validator.iter_errors(merged(defaults, values))
        ]

    assert errors(config) == []
    assert errors({"singleuser": {"storage": {"homeMountPath": 5}}}), "the check can fail"
    assert errors({"singleuser": {"lifecycleHooks": {"postStart": "cp"}}}), "the check can fail"


def test_the_values_fit_the_learners_image(config):
    user = config["singleuser"]
    home = PurePosixPath("/home/jovyan")  # repo2docker's home for --user-name jovyan: the repo
    work = PurePosixPath(user["storage"]["homeMountPath"])
    assert work.parent == home and work != home, "the volume must not hide helpers/ and datasets/"
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "learner_labs prepare --folder my_labs" in post_build  # the image's home/my_labs
    command = user["lifecycleHooks"]["postStart"]["exec"]["command"]
    assert command[:2] == ["sh", "-c"] and command[2] == f"cp -Rn {home}/my_labs {work}/"
    assert user["defaultUrl"] == f"/lab/tree/{work.relative_to(home)}/my_labs"
    assert user["cmd"] == "jupyterhub-singleuser" and user["image"]["name"].endswith("learners")


def test_the_files_it_mounts_are_valid_config(config):
    files = config["singleuser"]["extraFiles"]
    nbgrader = files["nbgrader-config"]["stringData"]
    compile(nbgrader, "nbgrader_config.py", "exec")
    mounts = {m["mountPath"] for m in config["singleuser"]["storage"]["extraVolumeMounts"]}
    assert 'c.Exchange.root = "/srv/nbgrader/exchange"' in nbgrader and mounts == {
        "/srv/nbgrader/exchange"
    }
    culling = files["kernel-culling"]["data"]["MappingKernelManager"]
    assert set(culling) <= set(MappingKernelManager.class_trait_names(config=True))
    json.dumps(files["kernel-culling"]["data"])
    for name, snippet in config["hub"]["extraConfig"].items():
        compile(snippet, name, "exec")
    memory = config["singleuser"]["memory"]
    assert memory["guarantee"] == "1G" and memory["limit"] == "3G"
