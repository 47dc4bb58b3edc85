"""TLS is verified by default; a district with its own certificate authority names it in the config."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from loopback import LoopbackServer

from district import service
from kiosk.config import ConfigError, parse_config
from kiosk.sync import SyncError, enroll


def make_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A district CA, and a certificate it signed for 127.0.0.1 (openssl, as district IT would)."""
    ca_key, ca_cert = folder / "ca.key", folder / "ca.pem"
    key, csr, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"
    ext = folder / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
    quiet = {"check": True, "capture_output": True}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_cert,
                    "-days", "2", "-subj", "/CN=Example District CA"], **quiet)  # fmt: skip
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=127.0.0.1"], **quiet)  # fmt: skip
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
                    "-out", cert, "-days", "2", "-extfile", ext], **quiet)  # fmt: skip
    return ca_cert, cert, key


@pytest.fixture
def https_server(tmp_path: Path):
    ca, cert, key = make_ca_and_server_cert(tmp_path)
    server = LoopbackServer(f"sqlite:///{tmp_path / 'district.sqlite3'}", tls=(cert, key)).start()
    with server.sessions.begin() as db:
        campus = service.add_campus(db, "Lincoln Elementary", "America/Chicago")
        server.codes = [service.add_kiosk(db, campus.id, f"Kiosk {i}").code for i in range(2)]  # type: ignore[attr-defined]
    server.ca = ca  # type: ignore[attr-defined]
    yield server
    server.dispose()


def test_an_unknown_certificate_authority_is_refused(https_server, tmp_path: Path) -> None:
    with pytest.raises(SyncError) as refused:
        enroll(https_server.url, https_server.codes[0], tmp_path / "e.json")
    assert refused.value.kind == "offline" and "not trusted" in refused.value.detail
    assert not (tmp_path / "e.json").exists()


def test_the_district_ca_bundle_makes_it_trusted(https_server, tmp_path: Path) -> None:
    enrollment = enroll(https_server.url, https_server.codes[1], tmp_path / "e.json", ca_bundle=https_server.ca)
    assert enrollment.server_url.startswith("https://")


def test_the_ca_bundle_setting_must_name_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as problem:
        parse_config({"campus": {"name": "X"}, "server": {"ca_bundle": "missing.pem"}}, base=tmp_path)
    assert "server.ca_bundle: no such file" in str(problem.value)
    (tmp_path / "district-ca.pem").write_text("x")
    config = parse_config({"campus": {"name": "X"}, "server": {"ca_bundle": "district-ca.pem"}}, base=tmp_path)
    assert config.ca_bundle == tmp_path / "district-ca.pem"
