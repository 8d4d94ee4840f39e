"""The engine as the docker CLI finds it (dcalab.endpoint): contexts in a temporary config folder, written as the
Docker CLI writes them, and, where the docker CLI is installed, made and read by the CLI itself. Nothing is asked
of an engine: resolving reads files and variables only."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dcalab import engine
from dcalab.endpoint import (
    DEFAULT_HOST,
    FROM_CONFIG,
    FROM_DEFAULT,
    FROM_DOCKER_CONTEXT,
    FROM_DOCKER_HOST,
    context_id,
    resolve_endpoint,
)
from dcalab.errors import DcalabError
from tests.contexts import add_context, context_meta, use_context

# meta.json as `docker context create` (CLI 28.2) writes it, byte for byte
DESKTOP_META = ('{"Name":"desktop-linux","Metadata":{"Description":"Docker Desktop"},"Endpoints":{"docker":{"Host":'
                '"unix:///home/learner/.docker/desktop/docker.sock","SkipTLSVerify":false}}}')
REMOTE_META = '{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2376","SkipTLSVerify":false}}}'
SKIP_META = '{"Name":"skip","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.0.0.6:2376","SkipTLSVerify":true}}}'


def test_the_test_contexts_are_written_as_the_cli_writes_them() -> None:
    assert context_meta("remote", "tcp://10.0.0.5:2376") == REMOTE_META
    assert context_meta("skip", "tcp://10.0.0.6:2376", skip_tls_verify=True) == SKIP_META


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "docker-config"
    folder.mkdir()
    return folder


def test_the_context_store_folder_is_the_sha256_of_the_name() -> None:
    # the folder `docker context create remote` made (docker/cli's contextdirOf)
    assert context_id("remote") == "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a"


def test_nothing_set_is_the_default_socket(config: Path) -> None:
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(config)})
    assert (endpoint.host, endpoint.context, endpoint.chosen_by, endpoint.tls) == (DEFAULT_HOST, "default",
                                                                                   FROM_DEFAULT, None)
    assert endpoint.is_default_socket and endpoint.local_socket == "/var/run/docker.sock"
    assert endpoint.describe() == "unix:///var/run/docker.sock (the default socket)"


def test_the_current_context_of_config_json_is_used(config: Path) -> None:
    add_context(config, DESKTOP_META)
    use_context(config, "desktop-linux")
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(config)})
    assert (endpoint.host, endpoint.context, endpoint.chosen_by) == (
        "unix:///home/learner/.docker/desktop/docker.sock", "desktop-linux", FROM_CONFIG)
    assert endpoint.local_socket is None and not endpoint.is_default_socket  # Docker Desktop's socket leads to a VM
    assert endpoint.describe() == ("unix:///home/learner/.docker/desktop/docker.sock (context desktop-linux, the "
                                   f"current context of {config / 'config.json'})")


def test_without_docker_config_the_config_folder_is_home_dot_docker(tmp_path: Path) -> None:
    add_context(tmp_path / ".docker", DESKTOP_META)
    use_context(tmp_path / ".docker", "desktop-linux")
    assert resolve_endpoint({"HOME": str(tmp_path)}).context == "desktop-linux"


def test_docker_context_beats_the_current_context(config: Path) -> None:
    add_context(config, DESKTOP_META)
    add_context(config, REMOTE_META)
    use_context(config, "desktop-linux")
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "remote"})
    assert (endpoint.host, endpoint.context, endpoint.chosen_by) == ("tcp://10.0.0.5:2376", "remote",
                                                                     FROM_DOCKER_CONTEXT)
    assert endpoint.how_to_leave() == "unset DOCKER_CONTEXT"


def test_docker_host_beats_every_context(config: Path) -> None:
    add_context(config, DESKTOP_META)
    use_context(config, "desktop-linux")
    environ = {"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "desktop-linux",
               "DOCKER_HOST": "unix:///run/user/1000/docker.sock"}
    endpoint = resolve_endpoint(environ)
    assert (endpoint.host, endpoint.context, endpoint.chosen_by) == ("unix:///run/user/1000/docker.sock", "default",
                                                                     FROM_DOCKER_HOST)
    assert endpoint.local_socket == "/run/user/1000/docker.sock" and not endpoint.is_default_socket


def test_docker_context_default_is_the_default_socket_whatever_config_json_says(config: Path) -> None:
    add_context(config, DESKTOP_META)
    use_context(config, "desktop-linux")
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "default"})
    assert (endpoint.host, endpoint.context, endpoint.is_default_socket) == (DEFAULT_HOST, "default", True)


@pytest.mark.parametrize(("environ", "named_by", "choose"), [
    ({"DOCKER_CONTEXT": "colima"}, "(DOCKER_CONTEXT)", "export DOCKER_CONTEXT=NAME, or unset DOCKER_CONTEXT"),
    ({}, "(the current context of", "docker context use NAME"),
])
def test_a_missing_context_is_one_sentence_naming_it_and_docker_context_ls(config: Path, environ: dict,
                                                                           named_by: str, choose: str) -> None:
    use_context(config, "colima")
    with pytest.raises(DcalabError) as raised:
        resolve_endpoint({"DOCKER_CONFIG": str(config), **environ})
    assert raised.value.message.startswith(f"The docker context colima {named_by}")
    assert raised.value.message.count(". ") == 0 and raised.value.message.endswith(".")
    assert raised.value.fix == f"See the contexts with `docker context ls`, then choose one: {choose}"


def test_a_broken_config_json_is_warned_about_and_the_default_used(config: Path, capsys) -> None:
    (config / "config.json").write_text("{not json")
    assert resolve_endpoint({"DOCKER_CONFIG": str(config)}).host == DEFAULT_HOST
    assert "config.json cannot be read" in capsys.readouterr().err
    assert resolve_endpoint({"DOCKER_CONFIG": str(config)}).host == DEFAULT_HOST
    assert capsys.readouterr().err == ""  # once a run, not once a node's shell


def test_a_contexts_tls_material_is_found_where_the_cli_keeps_it(config: Path) -> None:
    tls = add_context(config, REMOTE_META, ("ca.pem", "cert.pem", "key.pem"))
    files = resolve_endpoint({"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "remote"}).tls
    assert (files.ca, files.cert, files.key, files.verify) == (tls / "ca.pem", tls / "cert.pem", tls / "key.pem", True)


def test_skip_tls_verify_is_tls_without_verification_even_without_material(config: Path) -> None:
    add_context(config, SKIP_META)
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "skip"})
    assert (endpoint.tls.ca, endpoint.tls.cert, endpoint.tls.verify) == (None, None, False)
    assert endpoint.describe().startswith("tcp://10.0.0.6:2376 over TLS, unverified (context skip")


def test_a_tcp_context_without_material_is_plain_http_and_a_socket_never_tls(config: Path) -> None:
    add_context(config, REMOTE_META)
    add_context(config, DESKTOP_META, ("ca.pem",))
    assert resolve_endpoint({"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "remote"}).tls is None
    assert resolve_endpoint({"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "desktop-linux"}).tls is None


@pytest.mark.parametrize(("variables", "verify"), [({"DOCKER_TLS_VERIFY": "1"}, True), ({"DOCKER_TLS": "1"}, False)])
def test_docker_host_takes_tls_from_docker_cert_path(tmp_path: Path, variables: dict, verify: bool) -> None:
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("pem")
    environ = {"DOCKER_HOST": "tcp://10.0.0.5:2376", "DOCKER_CERT_PATH": str(tmp_path), **variables}
    files = resolve_endpoint(environ).tls
    assert (files.ca, files.cert, files.key, files.verify) == (tmp_path / "ca.pem", tmp_path / "cert.pem",
                                                               tmp_path / "key.pem", verify)
    assert resolve_endpoint({"DOCKER_HOST": "tcp://10.0.0.5:2375"}).tls is None


def test_the_client_is_made_with_the_endpoints_host_and_tls(config: Path, monkeypatch) -> None:
    """What reaches the Docker SDK (its client would ask the engine at once, so it is replaced here)."""
    tls = add_context(config, REMOTE_META, ("ca.pem", "cert.pem", "key.pem"))
    made = {}
    monkeypatch.setattr(engine.docker, "DockerClient", lambda **kwargs: made.update(kwargs))
    engine.engine_client(resolve_endpoint({"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "remote"}))
    assert made["base_url"] == "tcp://10.0.0.5:2376" and made["use_ssh_client"] is False
    assert (made["tls"].cert, made["tls"].ca_cert, made["tls"].verify) == ((str(tls / "cert.pem"),
                                                                            str(tls / "key.pem")),
                                                                           str(tls / "ca.pem"), True)
    engine.engine_client(resolve_endpoint({"DOCKER_HOST": "ssh://learner@lab-box"}))
    assert (made["base_url"], made["tls"], made["use_ssh_client"]) == ("ssh://learner@lab-box", False, True)


# -- the docker CLI itself, where installed: it makes the contexts, and names the one it would use --------------

DOCKER = shutil.which("docker")
needs_cli = pytest.mark.skipif(DOCKER is None, reason="the docker CLI is not installed (it needs no engine here)")


def cli(config: Path, *args: str, **environ: str) -> str:
    done = subprocess.run([DOCKER, *args], env={"DOCKER_CONFIG": str(config), "PATH": "/usr/bin:/bin", **environ},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@needs_cli
@pytest.mark.parametrize("environ", [
    {}, {"DOCKER_CONTEXT": "remote"}, {"DOCKER_CONTEXT": "default"}, {"DOCKER_HOST": "tcp://10.0.0.9:2375"},
    {"DOCKER_HOST": "tcp://10.0.0.9:2376", "DOCKER_CONTEXT": "remote"}, {"DOCKER_CONTEXT": "skip"},
])
def test_the_same_engine_as_the_docker_cli(tmp_path: Path, environ: dict) -> None:
    config = tmp_path / "docker-config"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem", "-subj", "/CN=engine",
                    "-days", "1"],
                   check=True, capture_output=True)  # the CLI reads the material it stores
    shutil.copy(tmp_path / "cert.pem", tmp_path / "ca.pem")
    cli(config, "context", "create", "remote", "--docker",
        f"host=tcp://10.0.0.5:2376,ca={tmp_path}/ca.pem,cert={tmp_path}/cert.pem,key={tmp_path}/key.pem")
    cli(config, "context", "create", "skip", "--docker", "host=tcp://10.0.0.6:2376,skip-tls-verify=true")
    cli(config, "context", "create", "sock", "--docker", "host=unix:///run/user/1000/docker.sock")
    cli(config, "context", "use", "sock")
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(config), **environ})
    name = cli(config, "context", "show", **environ)
    seen = json.loads(cli(config, "context", "inspect", name, **environ))[0]
    assert endpoint.context == name and endpoint.host == seen["Endpoints"]["docker"]["Host"]
    if endpoint.tls is not None and name != "default":
        assert endpoint.tls.verify is not seen["Endpoints"]["docker"]["SkipTLSVerify"]
        material = [path.name for path in (endpoint.tls.ca, endpoint.tls.cert, endpoint.tls.key) if path]
        assert material == seen["TLSMaterial"].get("docker", [])
        assert all(str(path.parent.parent) == seen["Storage"]["TLSPath"] for path in (endpoint.tls.ca,) if path)


@needs_cli
def test_a_missing_context_fails_in_the_cli_too(config: Path) -> None:
    done = subprocess.run([DOCKER, "context", "inspect"], env={"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "nope"},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "nope" in done.stderr
    with pytest.raises(DcalabError, match="The docker context nope"):
        resolve_endpoint({"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": "nope"})
