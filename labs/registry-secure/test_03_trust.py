"""Task trust: every node has the lab's CA at /etc/docker/certs.d/<registry>/ca.crt, and the registry is in no
node's insecure-registries, in the file or in the running docker."""

import base64

from checks import certificates, daemon, run_or_raise, verdict

TASK = "trust"
CA = "/root/certs/ca.crt"  # on registry


def test_trust(task) -> None:
    registry_name, certs_d = task.settings["registry"], task.settings["certs_d"]
    ca_digest = certificates.digest(task.host("registry"), CA)
    if task.solving:
        pem = base64.b64encode(run_or_raise(task.host("registry"), "cat %s", CA).encode() + b"\n").decode()

        def trust(host) -> None:
            if certificates.digest(host, certs_d) != ca_digest:
                run_or_raise(host, "mkdir -p %s && echo %s | base64 -d > %s", certs_d.rsplit("/", 1)[0], pem, certs_d)
            if daemon.without_insecure_registry(host, registry_name) or registry_name in \
                    daemon.loaded_insecure_registries(host):
                daemon.restart_docker(host)

        task.each(trust)
    configs = task.each(daemon.read_config)
    copies = task.each(lambda host: certificates.digest(host, certs_d))
    task.grade({
        "ca-in-certs-d": {node: verdict(ca_digest is not None and copy == ca_digest, f"{certs_d} holds the lab's CA",
                                        f"there is no {certs_d}" if copy is None else
                                        f"it holds another certificate than {CA} on registry")
                          for node, copy in copies.items()},
        "tls-trusted": task.each(lambda host: daemon.trusts_registry(host, f"{registry_name}/alpine")),
        "insecure-gone": {node: daemon.not_insecure(task.host(node), config, registry_name)
                          for node, config in configs.items()},
    })
