"""The suite never runs on the host's /etc/taelleuge/config.toml.

Each test builds a host with such a file in a private mount namespace (an overlay over /etc, so
the real /etc is untouched), then: pytest alone stops before the first test, saying why; through
tests/isolated.sh (what ``make test`` runs) the suite passes and the CLI does not see the file, so
the database it names is never written.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys

import pytest

from support import REPO

ISOLATED = REPO / "tests" / "isolated.sh"
TINY_SUITE = "tests/test_self_contained.py::test_the_samples_are_inside_the_repository"


def _namespaces_work() -> str | None:
    if os.geteuid() != 0:
        return "needs root (a private mount namespace)"
    if shutil.which("unshare") is None:
        return "needs unshare (util-linux)"
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                          capture_output=True, timeout=30)
    return None if done.returncode == 0 else "mount namespaces are not allowed here"


REASON = _namespaces_work()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


def on_installed_host(tmp_path, command: str) -> subprocess.CompletedProcess:
    """``command`` (shell) where /etc/taelleuge/config.toml names tmp_path/host.db."""
    config = tmp_path / "host-config.toml"
    source = (REPO / "tests" / "fixtures" / "kl2013.toml").read_text("utf-8")
    config.write_text(f'database = "{tmp_path / "host.db"}"\n' + source, "utf-8")
    layer = tmp_path / "etc-layer"
    layer.mkdir(exist_ok=True)
    setup = (f"set -e; mount -t tmpfs layer {layer}; mkdir {layer}/up {layer}/work; "
             f"mount -t overlay etc -o lowerdir=/etc,upperdir={layer}/up,workdir={layer}/work /etc; "
             f"mkdir -p /etc/taelleuge; cp {config} /etc/taelleuge/config.toml; set +e; ")
    env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "LANG": "C.UTF-8"}
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           setup + command], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=240)


def pytest_cmd(tmp_path) -> str:
    """The inner suite keeps its temporary files in tmp_path (never the outer session's)."""
    return (f"{shlex.quote(sys.executable)} -m pytest -q -n0 -p no:cacheprovider "
            f"--basetemp={tmp_path / 'inner'} {TINY_SUITE}")


def test_pytest_alone_stops_when_the_host_config_is_visible(tmp_path):
    done = on_installed_host(tmp_path, pytest_cmd(tmp_path))
    assert done.returncode == 4, done.stdout + done.stderr
    assert "/etc/taelleuge/config.toml exists on this machine" in done.stdout + done.stderr
    assert "make test" in done.stdout + done.stderr
    assert "passed" not in done.stdout


def test_make_tests_wrapper_hides_the_host_config(tmp_path):
    done = on_installed_host(tmp_path, f"{ISOLATED} {pytest_cmd(tmp_path)}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_cli_under_the_wrapper_never_touches_the_hosts_database(tmp_path):
    taelleuge = shlex.quote(f"{sys.executable}")
    plain = on_installed_host(tmp_path, f"{taelleuge} -m tui init")
    assert plain.returncode == 0, plain.stderr
    assert "/etc/taelleuge/config.toml" in plain.stdout  # the hazard: a test's CLI takes the host's
    (tmp_path / "host.db").unlink()

    done = on_installed_host(tmp_path, f"{ISOLATED} {taelleuge} -m tui init")
    assert done.returncode == 0, done.stderr
    assert "indbygget demo-konfiguration" in done.stdout
    assert not (tmp_path / "host.db").exists()
    assert (tmp_path / "data" / "taelleuge" / "demo.db").exists()
