"""The deployment files in ops/deploy: the systemd unit passes `systemd-analyze verify` and is hardened, the
Kubernetes manifests parse, the ConfigMap's configuration loads with the agent's own reader (`saturn agent --config
... --print-config`), the DaemonSet mounts it where its arguments point, and the metrics port the pods are annotated
with is the one the configuration serves. Needs systemd-analyze (Debian's systemd) and PyYAML (see .ci/run)."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import yaml
from conftest import REPO, saturn_binary

DEPLOY = os.path.join(REPO, "ops", "deploy")


def print_config(config_path, *flags):
    """The configuration `saturn agent` resolves from `config_path` and `flags` (the real reader), as a dict."""
    r = subprocess.run([saturn_binary(), "agent", "--config", config_path, *flags, "--print-config"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"saturn agent --config {config_path} {' '.join(flags)}: {r.stderr}"
    return json.loads(r.stdout)


def unit_lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def test_the_systemd_unit_verifies_and_is_hardened():
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze not found (Debian package systemd, installed by .ci/run)"
    unit = os.path.join(DEPLOY, "saturn-agent.service")
    lines = unit_lines(unit)
    exec_start = next(line for line in lines if line.startswith("ExecStart="))[len("ExecStart="):].split()
    assert exec_start[0] == "/usr/local/bin/saturn"
    # systemd-analyze checks that the binary exists: verify a copy that runs this build's executable.
    with tempfile.TemporaryDirectory() as d:
        copy = os.path.join(d, "saturn-agent.service")
        with open(unit) as src, open(copy, "w") as dst:
            dst.write(src.read().replace("/usr/local/bin/saturn", os.path.abspath(saturn_binary())))
        r = subprocess.run([analyze, "verify", "--man=no", copy], capture_output=True, text=True, timeout=60)
    # Unknown keys are only warnings (exit 0): any output is a failure.
    assert r.returncode == 0 and not r.stderr.strip() and not r.stdout.strip(), r.stdout + r.stderr
    settings = {}
    for line in lines:
        if "=" in line and not line.startswith("["):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    for key, value in {"DynamicUser": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
                       "NoNewPrivileges": "yes", "Restart": "on-failure", "CapabilityBoundingSet": "",
                       "MemoryDenyWriteExecute": "yes"}.items():
        assert settings.get(key) == [value], f"{key}={settings.get(key)}"
    assert set(settings["RestrictAddressFamilies"][0].split()) <= {"AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"}


def test_the_systemd_command_line_runs_with_the_example_configuration():
    """ExecStart is a command line the CLI accepts, with the example it installs as /etc/saturn/agent.jsonc."""
    lines = unit_lines(os.path.join(DEPLOY, "saturn-agent.service"))
    exec_start = next(line for line in lines if line.startswith("ExecStart="))[len("ExecStart="):].split()
    args = [a.replace("%H", "gpu-host") for a in exec_start[2:]]
    config_index = args.index("--config")
    args[config_index + 1] = os.path.join(DEPLOY, "saturn-agent.jsonc")
    resolved = print_config(args[config_index + 1], *(args[:config_index] + args[config_index + 2:]))
    assert resolved["nodeID"] == "gpu-host"


def kubernetes_manifests():
    """The ConfigMap, the DaemonSet, its pod template and its one container."""
    with open(os.path.join(DEPLOY, "kubernetes.yaml")) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    by_kind = {d["kind"]: d for d in docs}
    assert set(by_kind) == {"ConfigMap", "DaemonSet"}, by_kind.keys()
    config_map, daemon_set = by_kind["ConfigMap"], by_kind["DaemonSet"]
    pod = daemon_set["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    return config_map, daemon_set, pod, container


def test_the_kubernetes_manifests_parse_and_are_consistent():
    config_map, daemon_set, pod, container = kubernetes_manifests()
    assert daemon_set["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    ports = {p["name"]: p for p in container["ports"]}
    assert annotations["prometheus.io/port"] == str(ports["metrics"]["containerPort"])
    probes = [container["readinessProbe"], container["livenessProbe"]]
    assert all((p.get("tcpSocket") or p.get("httpGet"))["port"] in ports for p in probes)
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False and security["readOnlyRootFilesystem"] is True
    assert security["capabilities"]["drop"] == ["ALL"]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    # Every $(VAR) in the arguments is defined in the container's environment.
    defined = {e["name"] for e in container["env"]}
    used = {v for a in container["args"] for v in re.findall(r"\$\((\w+)\)", a)}
    assert used <= defined, used - defined


def test_the_kubernetes_configuration_loads_and_matches_the_pod():
    config_map, daemon_set, pod, container = kubernetes_manifests()

    # The ConfigMap volume is mounted where --config points, and holds that file.
    args = container["args"]
    config_path = args[args.index("--config") + 1]
    volume = next(v for v in pod["spec"]["volumes"] if v["configMap"]["name"] == config_map["metadata"]["name"])
    mount = next(m for m in container["volumeMounts"] if m["name"] == volume["name"])
    assert os.path.dirname(config_path) == mount["mountPath"]
    text = config_map["data"][os.path.basename(config_path)]

    # It loads with the agent's reader, with the container's other flags (the downward-API values substituted).
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, os.path.basename(config_path))
        with open(path, "w") as f:
            f.write(text)
        env = {"NODE_NAME": "node-a", "HOST_IP": "10.0.0.7"}
        flags = [re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], a) for a in args]
        config_index = flags.index("--config")
        resolved = print_config(path, *(flags[1:config_index] + flags[config_index + 2:]))
    assert resolved["nodeID"] == "node-a" and resolved["advertisedQueryEndpoint"] == "tcp://10.0.0.7:5556"

    # Scraping: the annotated port is the one the configuration serves.
    annotations = pod["metadata"]["annotations"]
    ports = {p["name"]: p for p in container["ports"]}
    assert resolved["metrics"].rsplit(":", 1)[1] == annotations["prometheus.io/port"]
    # The bus ports the configuration binds are the ones the pod publishes on the node.
    for name, field in (("telemetry", "telemetryEndpoint"), ("query", "queryEndpoint"),
                        ("broadcast", "broadcastEndpoint")):
        assert resolved[field].rsplit(":", 1)[1] == str(ports[name]["containerPort"]) == str(ports[name]["hostPort"])
