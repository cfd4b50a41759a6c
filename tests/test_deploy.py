"""deploy/ agrees with the code: settings, commands, routes and ports, and each manifest's shape.

No container engine or cluster runs here, so the manifests are read as files: YAML, the
Dockerfile's instructions, nginx's upstream, the systemd unit's keys.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import re
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot import cli
from bot.app import create_app
from bot.settings import Settings
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"

PREFIX = Settings.model_config.get("env_prefix", "")
SETTING_NAMES = frozenset(PREFIX + field.upper() for field in Settings.model_fields)
# The settings Settings hides (SecretStr), and the database URL: it carries the password.
SECRET_SETTINGS = frozenset(
    PREFIX + name.upper()
    for name, field in Settings.model_fields.items()
    if SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
) | {PREFIX + "DATABASE_URL"}
SETTING_NAME = re.compile(re.escape(PREFIX) + r"[A-Z0-9_]+")

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]


# --- reading the manifests -------------------------------------------------------------------


def deploy_files() -> list[Path]:
    """The files of deploy/, without an operator's own .env and certificates."""
    return sorted(
        p
        for p in DEPLOY.rglob("*")
        if p.is_file() and p.name != ".env" and "tls" not in p.relative_to(DEPLOY).parts
    )


def yaml_files() -> list[Path]:
    return [p for p in deploy_files() if p.suffix in {".yaml", ".yml"}]


@cache
def compose() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


def service(name: str) -> dict[str, Any]:
    return cast(dict[str, Any], compose()["services"][name])


def interpolated(value: str) -> str:
    """A compose value with `${VAR...}` replaced by a stand-in, as Compose would fill it."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*[^}]*\}", "x", value)


@cache
def k8s_objects() -> tuple[dict[str, Any], ...]:
    return tuple(
        cast(dict[str, Any], doc)
        for path in sorted(K8S.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc is not None
    )


def k8s(kind: str) -> dict[str, Any]:
    found = [o for o in k8s_objects() if o["kind"] == kind]
    assert len(found) == 1, f"expected one {kind} in deploy/k8s/, found {len(found)}"
    return found[0]


def workloads() -> dict[str, dict[str, Any]]:
    """Pod specs by the kind of their owner: the Deployment's and the migration Job's."""
    return {kind: k8s(kind)["spec"]["template"]["spec"] for kind in ("Deployment", "Job")}


def app_container() -> dict[str, Any]:
    containers = workloads()["Deployment"]["containers"]
    assert len(containers) == 1
    return cast(dict[str, Any], containers[0])


@cache
def dockerfile() -> tuple[tuple[str, str], ...]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        keyword, _, rest = (pending + line).strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        pending = ""
    return tuple(instructions)


def final_stage() -> list[tuple[str, str]]:
    froms = [i for i, (keyword, _) in enumerate(dockerfile()) if keyword == "FROM"]
    return list(dockerfile()[froms[-1] :])


def instruction(keyword: str) -> str:
    found = [rest for k, rest in final_stage() if k == keyword]
    assert found, f"the image's final stage has no {keyword}"
    return found[-1]


def dockerfile_env() -> dict[str, str]:
    return dict(
        word.split("=", 1) for k, rest in final_stage() if k == "ENV" for word in shlex.split(rest)
    )


def healthcheck_argv() -> list[str]:
    options, _, command = instruction("HEALTHCHECK").partition("CMD ")
    assert all(o.startswith("--") for o in options.split()), options
    return cast(list[str], json.loads(command))


@cache
def systemd_unit() -> dict[str, dict[str, list[str]]]:
    """Sections of consentbot.service; a key may repeat, so each maps to its list of values."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in (DEPLOY / "consentbot.service").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            assert line[1:-1] not in sections, f"section {line} appears twice"
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"a key outside any section: {line!r}"
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line!r}"
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key.strip()), f"not a key: {line!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit_value(section: str, key: str) -> str:
    values = systemd_unit()[section][key]
    assert len(values) == 1, f"{key}= appears {len(values)} times"
    return values[0]


def nginx_conf() -> str:
    return (DEPLOY / "nginx.conf").read_text()


def nginx_upstream() -> tuple[str, int]:
    block = re.search(r"upstream\s+\S+\s*\{(.*?)\}", nginx_conf(), re.DOTALL)
    assert block, "nginx.conf has no upstream block"
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)\b", block.group(1), re.MULTILINE)
    assert len(servers) == 1, servers
    return servers[0][0], int(servers[0][1])


def size_in_bytes(size: str) -> int:
    """An nginx-style size: 8m, 512k, 1g or plain bytes."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", size)
    assert match, f"not a size: {size!r}"
    return (
        int(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2).lower()]
    )


# --- what the manifests set and run ----------------------------------------------------------


def environments() -> dict[str, dict[str, str]]:
    """Every place in deploy/ that sets variables, with what it sets."""
    found: dict[str, dict[str, str]] = {"Dockerfile ENV": dockerfile_env()}
    for name, svc in compose()["services"].items():
        env = svc.get("environment") or {}
        assert isinstance(env, dict), f"compose {name}: write environment as a mapping"
        if any(key.startswith(PREFIX) for key in env):
            found[f"compose {name}"] = {k: interpolated(str(v)) for k, v in env.items()}
    found["k8s ConfigMap"] = dict(k8s("ConfigMap")["data"])
    found["k8s Secret"] = dict(k8s("Secret")["stringData"])
    for kind, pod in workloads().items():
        for container in pod["containers"]:
            env = {e["name"]: str(e.get("value", "")) for e in container.get("env", [])}
            if env:
                found[f"k8s {kind} {container['name']}"] = env
    found["systemd Environment"] = dict(
        word.split("=", 1)
        for line in systemd_unit()["Service"].get("Environment", [])
        for word in shlex.split(line)
    )
    return found


def setting_values(where: str) -> dict[str, str]:
    return {k: v for k, v in environments()[where].items() if k.startswith(PREFIX)}


def commands() -> dict[str, list[str]]:
    """Every command a manifest runs, as argv."""
    found = {"Dockerfile CMD": cast(list[str], json.loads(instruction("CMD")))}
    for name, svc in compose()["services"].items():
        if "command" in svc:
            found[f"compose {name}"] = list(svc["command"])
    for kind, pod in workloads().items():
        for container in pod["containers"]:
            found[f"k8s {kind} {container['name']}"] = [
                *container.get("command", []),
                *container.get("args", []),
            ]
    for key in ("ExecStartPre", "ExecStart"):
        for i, line in enumerate(systemd_unit()["Service"].get(key, [])):
            label = f"systemd {key}" + (f" #{i + 1}" if i else "")
            found[label] = shlex.split(line.lstrip("-+!@:"))
    return found


def resolve_port(port: int | str) -> int:
    """A container port by number or by the name the Deployment gives it."""
    if isinstance(port, int):
        return port
    named = {p["name"]: p["containerPort"] for p in app_container()["ports"] if "name" in p}
    return int(named[port])


def k8s_probe(kind: str) -> dict[str, Any]:
    return cast(dict[str, Any], app_container()[kind]["httpGet"])


def ports() -> dict[str, int]:
    """Every place that names the app's port."""
    _, upstream_port = nginx_upstream()
    (container_port,) = [p["containerPort"] for p in app_container()["ports"]]
    default = re.search(r"get\('CONSENTBOT_PORT', '(\d+)'\)", healthcheck_argv()[-1])
    assert default, "the HEALTHCHECK reads CONSENTBOT_PORT with a default"
    found = {
        "Dockerfile EXPOSE": int(instruction("EXPOSE")),
        "Dockerfile HEALTHCHECK default": int(default.group(1)),
        "compose app expose": int(*service("app")["expose"]),
        "nginx upstream": upstream_port,
        "k8s containerPort": int(container_port),
        "k8s Service targetPort": resolve_port(k8s("Service")["spec"]["ports"][0]["targetPort"]),
        "k8s readinessProbe": resolve_port(k8s_probe("readinessProbe")["port"]),
        "k8s livenessProbe": resolve_port(k8s_probe("livenessProbe")["port"]),
        "Settings default": Settings.model_fields["port"].default,
    }
    for where in environments():
        if PREFIX + "PORT" in environments()[where]:
            found[f"{where} {PREFIX}PORT"] = int(environments()[where][PREFIX + "PORT"])
    return found


def routes(tmp_path: Path) -> set[str]:
    app = create_app(make_settings(tmp_path))
    return {
        route.resource.canonical
        for route in app.router.routes()
        if route.method == "GET" and route.resource is not None
    }


# --- every file ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_manifest_parses(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs
    assert all(isinstance(d, dict) for d in docs)
    if path.parent == K8S:
        for doc in docs:
            assert doc["apiVersion"]
            assert doc["kind"]
            assert doc["metadata"]["name"]


@pytest.mark.parametrize("path", deploy_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_setting_named_in_deploy_exists(path: Path) -> None:
    assert set(SETTING_NAME.findall(path.read_text())) - SETTING_NAMES == set()


def test_the_tables_below_cover_every_environment_command_and_port() -> None:
    assert set(environments()) == set(ENVIRONMENTS)
    assert set(commands()) == {where for where, _ in COMMANDS}
    assert set(ports()) == set(PORTS)


# --- settings ----------------------------------------------------------------------------------

ENVIRONMENTS = [
    "Dockerfile ENV",
    "compose migrate",
    "compose app",
    "k8s ConfigMap",
    "k8s Secret",
    "systemd Environment",
]


@pytest.mark.parametrize("where", ENVIRONMENTS)
def test_variables_set_are_settings(where: str) -> None:
    names = setting_values(where)
    assert names, f"{where} sets no {PREFIX}* variable"
    assert set(names) - SETTING_NAMES == set()


@pytest.mark.parametrize("where", ENVIRONMENTS)
def test_no_setting_is_set_to_an_empty_value(where: str) -> None:
    """An empty value is a value, not "unset": an empty CONSENTBOT_BUTTONS_FILE names "."."""
    assert [name for name, value in setting_values(where).items() if not value] == []


@pytest.mark.parametrize("where", ENVIRONMENTS)
def test_values_set_load_as_settings(where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    values = {PREFIX + "APP_SECRET": "x", PREFIX + "VERIFY_TOKEN": "y", **setting_values(where)}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert settings.dev is False


@pytest.mark.parametrize("where", ["Dockerfile ENV", "compose app", "k8s ConfigMap"])
def test_containers_listen_on_every_interface(where: str) -> None:
    assert setting_values(where)[PREFIX + "HOST"] == "0.0.0.0"  # noqa: S104


# --- commands ----------------------------------------------------------------------------------

COMMANDS = [
    ("Dockerfile CMD", "serve"),
    ("compose migrate", "migrate"),
    ("compose app", "serve"),
    ("k8s Deployment consentbot", "serve"),
    ("k8s Job migrate", "migrate"),
    ("systemd ExecStartPre", "migrate"),
    ("systemd ExecStart", "serve"),
]


@pytest.mark.parametrize(("where", "subcommand"), COMMANDS)
def test_manifest_runs_a_real_subcommand(where: str, subcommand: str) -> None:
    argv = commands()[where]
    assert PurePosixPath(argv[0]).name == "consentbot"
    assert argv[1:] == [subcommand]
    args = cli._parser().parse_args(argv[1:])
    assert args.handler is getattr(cli, f"_{subcommand}")


# --- routes -------------------------------------------------------------------------------------


def probe_paths() -> dict[str, str]:
    url = re.search(r"http://[^/'\"]+(/[^'\"]*)", healthcheck_argv()[-1])
    assert url, "the HEALTHCHECK requests a URL"
    return {
        "Dockerfile HEALTHCHECK": url.group(1),
        "k8s readinessProbe": k8s_probe("readinessProbe")["path"],
        "k8s livenessProbe": k8s_probe("livenessProbe")["path"],
    }


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("Dockerfile HEALTHCHECK", "/healthz"),
        ("k8s readinessProbe", "/readyz"),
        ("k8s livenessProbe", "/healthz"),
    ],
)
async def test_probe_is_a_route_that_answers_200(
    where: str, path: str, client: TestClient[Any, Any], tmp_path: Path
) -> None:
    assert probe_paths()[where] == path
    assert path in routes(tmp_path)
    response = await client.get(path)
    assert response.status == 200, await response.text()


def test_ingress_paths_are_routes(tmp_path: Path) -> None:
    served = routes(tmp_path)
    for rule in k8s("Ingress")["spec"]["rules"]:
        for entry in rule["http"]["paths"]:
            path, kind = entry["path"], entry["pathType"]
            if kind == "Exact":
                assert path in served, path
            else:
                assert any(r.startswith(path.rstrip("/") + "/") for r in served), path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_healthcheck(port: int) -> int:
    argv = healthcheck_argv()
    assert argv[0] == "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv[1:],
        env={**env, PREFIX + "PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), timeout=30)


async def test_healthcheck_command_passes_against_the_app(
    aiohttp_server: AiohttpServer, tmp_path: Path
) -> None:
    server = await aiohttp_server(create_app(make_settings(tmp_path)))
    assert server.port is not None
    assert await run_healthcheck(server.port) == 0


async def test_healthcheck_command_fails_when_nothing_answers() -> None:
    assert await run_healthcheck(free_port()) != 0


# --- ports ---------------------------------------------------------------------------------------


PORTS = [
    "Dockerfile EXPOSE",
    "Dockerfile HEALTHCHECK default",
    "Dockerfile ENV CONSENTBOT_PORT",
    "compose app expose",
    "compose app CONSENTBOT_PORT",
    "compose migrate CONSENTBOT_PORT",
    "nginx upstream",
    "k8s ConfigMap CONSENTBOT_PORT",
    "k8s containerPort",
    "k8s Service targetPort",
    "k8s readinessProbe",
    "k8s livenessProbe",
    "systemd Environment CONSENTBOT_PORT",
    "Settings default",
]


@pytest.mark.parametrize("where", PORTS)
def test_port_agrees_with_dockerfile_expose(where: str) -> None:
    assert ports()[where] == ports()["Dockerfile EXPOSE"]


# --- Dockerfile ----------------------------------------------------------------------------------


def test_image_is_slim_python_311() -> None:
    assert re.fullmatch(r"python:3\.11-slim(\S*)?", instruction("FROM").split()[0])


def test_image_runs_as_a_non_root_user() -> None:
    user = instruction("USER").split(":")[0]
    assert user not in {"root", "0"}


def test_image_installs_the_package_from_the_repository_root() -> None:
    copied = [rest.split()[:-1] for k, rest in dockerfile() if k == "COPY"]
    sources = {src for args in copied if not args[0].startswith("--") for src in args}
    assert sources == set(IMAGE_SOURCES)
    assert any(k == "RUN" and re.search(r"pip install \.(\s|$)", rest) for k, rest in dockerfile())


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


IMAGE_SOURCES = ["pyproject.toml", "README.md", "bot", "storage"]


@pytest.mark.parametrize("needed", IMAGE_SOURCES)
def test_dockerignore_keeps_what_the_image_copies(needed: str) -> None:
    assert not any(fnmatch.fnmatch(needed, pattern) for pattern in dockerignore())


@pytest.mark.parametrize("excluded", [".venv", "data", ".git", ".env", ".mypy_cache"])
def test_dockerignore_leaves_out(excluded: str) -> None:
    assert excluded in dockerignore()


# --- compose -------------------------------------------------------------------------------------


def test_compose_postgres_has_a_healthcheck_and_a_volume() -> None:
    postgres = service("postgres")
    assert postgres["image"].startswith("postgres:")
    assert postgres["healthcheck"]["test"]
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"]


@pytest.mark.parametrize(
    ("name", "dependency", "condition"),
    [
        ("migrate", "postgres", "service_healthy"),
        ("app", "postgres", "service_healthy"),
        ("app", "migrate", "service_completed_successfully"),
        ("nginx", "app", "service_healthy"),
    ],
)
def test_compose_start_order(name: str, dependency: str, condition: str) -> None:
    assert service(name)["depends_on"][dependency]["condition"] == condition


def test_compose_runs_two_replicas_behind_the_load_balancer() -> None:
    assert service("app")["deploy"]["replicas"] == 2
    assert nginx_upstream()[0] == "app"
    published = {
        name: svc["ports"] for name, svc in compose()["services"].items() if "ports" in svc
    }
    assert list(published) == ["nginx"], "only the load balancer publishes a port"
    (mapping,) = published["nginx"]
    listen = re.findall(r"^\s*listen\s+(\d+)", nginx_conf(), re.MULTILINE)
    assert listen == [str(mapping).rsplit(":", 1)[1]]


def test_compose_files_exist() -> None:
    build = service("app")["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    mounted = [v.split(":")[0] for v in service("nginx")["volumes"]]
    assert "./nginx.conf" in mounted
    assert service("app")["env_file"] == ".env"


def test_compose_database_url_names_the_postgres_service() -> None:
    url = urlsplit(setting_values("compose app")[PREFIX + "DATABASE_URL"])
    postgres = service("postgres")["environment"]
    assert (url.scheme, url.hostname, url.port) == ("postgresql", "postgres", 5432)
    assert url.username == postgres["POSTGRES_USER"]
    assert url.path == "/" + postgres["POSTGRES_DB"]
    assert setting_values("compose migrate") == setting_values("compose app")


def body_limits() -> dict[str, str]:
    nginx = re.findall(r"client_max_body_size\s+(\w+);", nginx_conf())
    assert len(nginx) == 1
    annotations = k8s("Ingress")["metadata"]["annotations"]
    return {
        "nginx client_max_body_size": nginx[0],
        "ingress-nginx proxy-body-size": annotations["nginx.ingress.kubernetes.io/proxy-body-size"],
    }


@pytest.mark.parametrize("where", ["nginx client_max_body_size", "ingress-nginx proxy-body-size"])
def test_load_balancer_accepts_the_largest_body_the_app_accepts(where: str) -> None:
    assert size_in_bytes(body_limits()[where]) >= Settings.model_fields["max_body_bytes"].default


# --- Kubernetes ----------------------------------------------------------------------------------


def test_k8s_deployment_has_two_replicas() -> None:
    assert k8s("Deployment")["spec"]["replicas"] == 2


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_k8s_pods_run_as_non_root(kind: str) -> None:
    pod = workloads()[kind]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    for container in pod["containers"]:
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
@pytest.mark.parametrize("bound", ["requests", "limits"])
def test_k8s_containers_have_resources(kind: str, bound: str) -> None:
    for container in workloads()[kind]["containers"]:
        assert set(container["resources"][bound]) >= {"cpu", "memory"}


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_k8s_pods_read_the_configmap_and_the_secret(kind: str) -> None:
    names = {k8s("ConfigMap")["metadata"]["name"], k8s("Secret")["metadata"]["name"]}
    for container in workloads()[kind]["containers"]:
        refs = {
            ref[key]["name"]
            for ref in container["envFrom"]
            for key in ("configMapRef", "secretRef")
            if key in ref
        }
        assert refs == names


def test_k8s_migration_job_uses_the_deployment_image() -> None:
    (job,) = workloads()["Job"]["containers"]
    assert job["image"] == app_container()["image"]
    assert workloads()["Job"]["restartPolicy"] in {"Never", "OnFailure"}


@pytest.mark.parametrize("kind", ["Service", "PodDisruptionBudget", "Deployment"])
def test_k8s_selector_matches_the_app_pods(kind: str) -> None:
    spec = k8s(kind)["spec"]
    selector = spec["selector"].get("matchLabels", spec["selector"])
    labels = k8s("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()


def test_k8s_secret_holds_the_secrets_as_placeholders() -> None:
    secret = k8s("Secret")["stringData"]
    assert set(secret) == {PREFIX + name for name in ("APP_SECRET", "VERIFY_TOKEN", "DATABASE_URL")}
    assert [name for name, value in secret.items() if "CHANGE-ME" not in value] == []
    assert urlsplit(secret[PREFIX + "DATABASE_URL"]).scheme == "postgresql"


def test_k8s_configmap_holds_no_secret_and_only_strings() -> None:
    data = k8s("ConfigMap")["data"]
    assert set(data) & SECRET_SETTINGS == set()
    assert [name for name, value in data.items() if not isinstance(value, str)] == []


def test_k8s_ingress_serves_the_public_url_over_tls() -> None:
    ingress = k8s("Ingress")["spec"]
    public = urlsplit(k8s("ConfigMap")["data"][PREFIX + "PUBLIC_URL"])
    assert public.scheme == "https"
    assert [rule["host"] for rule in ingress["rules"]] == [public.hostname]
    assert [host for tls in ingress["tls"] for host in tls["hosts"]] == [public.hostname]
    service_ports = {p["name"] for p in k8s("Service")["spec"]["ports"]} | {
        p["port"] for p in k8s("Service")["spec"]["ports"]
    }
    for rule in ingress["rules"]:
        for entry in rule["http"]["paths"]:
            backend = entry["backend"]["service"]
            assert backend["name"] == k8s("Service")["metadata"]["name"]
            assert next(iter(backend["port"].values())) in service_ports


# --- systemd -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "expected"),
    [
        ("Unit", "Description", None),
        ("Unit", "After", None),
        ("Service", "User", "consentbot"),
        ("Service", "Group", "consentbot"),
        ("Service", "EnvironmentFile", "/etc/consentbot/env"),
        ("Service", "WorkingDirectory", None),
        ("Service", "ExecStartPre", None),
        ("Service", "ExecStart", None),
        ("Service", "Restart", "on-failure"),
        ("Service", "NoNewPrivileges", "yes"),
        ("Service", "ProtectSystem", "strict"),
        ("Service", "PrivateTmp", "yes"),
        ("Service", "ProtectHome", "yes"),
        ("Service", "ReadWritePaths", None),
        ("Install", "WantedBy", "multi-user.target"),
    ],
)
def test_systemd_unit_has(section: str, key: str, expected: str | None) -> None:
    value = unit_value(section, key)
    assert value
    if expected is not None:
        assert value == expected


def test_systemd_service_can_write_its_data_directory() -> None:
    """A relative SQLite URL (the default) resolves under WorkingDirectory: it must be writable."""
    workdir = PurePosixPath(unit_value("Service", "WorkingDirectory"))
    writable = [
        PurePosixPath(p.lstrip("-")) for p in unit_value("Service", "ReadWritePaths").split()
    ]
    assert any(workdir == p or p in workdir.parents for p in writable)


# --- README --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "https://<your-host>/webhook/whatsapp",
        "postgresql://",
        "deploy/compose.yaml",
        "deploy/k8s/",
        "deploy/consentbot.service",
        "consentbot migrate",
    ],
)
def test_readme_production_section_mentions(text: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Production\n")
    end = readme.find("\n## ", start + 1)
    assert text in readme[start : end if end != -1 else None]


def test_secret_settings_are_found() -> None:
    names = ("APP_SECRET", "VERIFY_TOKEN", "ACCESS_TOKEN", "DATABASE_URL")
    assert {PREFIX + name for name in names} <= SECRET_SETTINGS
