"""Task serve-tls: the registry answers on 5000 over TLS with a certificate master verifies against the lab's CA
(/root/certs/ca.crt on registry), and still holds the registry lab's images."""

from checks import registry_api, registry_server, verdict

TASK = "serve-tls"
CA = "/root/certs/ca.crt"
TLS = {"REGISTRY_HTTP_TLS_CERTIFICATE": "/certs/registry.crt", "REGISTRY_HTTP_TLS_KEY": "/certs/registry.key"}
MOUNTS = ("/root/certs:/certs:ro",)


def test_serve_tls(task) -> None:
    registry, master = task.host("registry"), task.host("master")
    url, user = f"https://{task.settings['registry']}/v2/_catalog", registry_api.as_user(task.settings["auth_file"])

    def look() -> tuple[registry_api.Response | None, registry_api.Response]:
        """(/v2/_catalog fetched verifying the lab's CA, None without it; fetched over TLS without verifying)"""
        pem = registry.run("cat %s", CA)
        verified = registry_api.get(master, url, options=user, ca_pem=pem.stdout) if pem.rc == 0 else None
        return verified, registry_api.get(master, url, options=f"-k {user}")

    verified, unverified = look()
    if task.solving and (verified is None or verified.status is None or unverified.status is None):
        registry_server.ensure(registry, TLS, MOUNTS)
        verified, unverified = look()
    kept = registry_server.holds_image(registry, registry_server.serving(registry, 5000), "alpine", "latest")
    task.grade({
        "tls-verified": verdict(verified is not None and verified.status is not None,
                                "the registry's certificate verified by master against the lab's CA",
                                f"there is no {CA} on registry" if verified is None else verified.describe()),
        "images-kept": kept if unverified.status is not None else verdict(
            False, kept.expected, f"nothing serves TLS on 5000 ({unverified.describe()}); its storage: {kept.found}"),
    })
