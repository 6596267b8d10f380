"""The deployment files of several webhook workers agree with each other and the README."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.workers.yaml").read_text("utf-8"))
    return data


def workers(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if s.get("command") == ["webhook"]}


def test_the_compose_file_starts_a_proxy_several_webhook_workers_and_one_postgresql() -> None:
    services = compose()["services"]
    assert set(services) >= {"db", "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    bots = workers(services)
    assert len(bots) >= 2, services
    for name, bot in bots.items():
        env = bot["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://"), name
        assert "@db:5432/" in env["DATABASE_URL"], name
        assert env["LISTEN_HOST"] == "0.0.0.0"
        assert bot["depends_on"]["db"]["condition"] == "service_healthy"
        assert "ports" not in bot, f"{name}: only the proxy is published"
    assert set(services["proxy"]["depends_on"]) == set(bots)
    assert services["proxy"]["image"].startswith("nginx")


def test_the_proxy_hands_the_webhook_to_every_worker_and_hides_metrics() -> None:
    services = compose()["services"]
    bots = workers(services)
    conf = (DEPLOY / "nginx.conf").read_text("utf-8")
    upstream = re.search(r"upstream keplibot \{(.*?)\}", conf, re.S)
    assert upstream is not None
    servers = re.findall(r"server (\w+):(\d+)", upstream.group(1))
    assert {name for name, _ in servers} == set(bots)
    for name, port in servers:
        assert port == bots[name]["environment"]["LISTEN_PORT"]
    assert "location /telegram/" in conf
    assert "location /calendar/" in conf
    assert "location /metrics" not in conf
    assert "return 404" in conf
    mounted = services["proxy"]["volumes"]
    assert any(v.startswith("./nginx.conf:") for v in mounted)


def test_the_readme_describes_the_same_deployment() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "deploy/compose.workers.yaml" in readme
    assert "deploy/nginx.conf" in readme
    for setting in ("DATABASE_URL", "WEBHOOK_URL", "WEBHOOK_SECRET", "POSTGRES_PASSWORD"):
        assert setting in readme
    assert "--workers" in readme
