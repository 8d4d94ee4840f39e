"""Task host-routing: from master, a request to registry:80 for a.example reaches site-a, one for b.example site-b."""

import base64

from checks import Verdict, containers, networks, registry_api, run_or_raise, verdict

TASK = "host-routing"
CONFIG = """server { listen 80; server_name a.example; location / { proxy_pass http://site-a; } }
server { listen 80; server_name b.example; location / { proxy_pass http://site-b; } }
"""
RUN = ("docker run -d --name proxy --network sites -p 80:80 "
       "-v /root/proxy/default.conf:/etc/nginx/conf.d/default.conf:ro nginx:1.22")
STARTING_SECONDS = 10
SITES = {"a-example": ("a.example", "site a"), "b-example": ("b.example", "site b")}


def routed(master, site: str, wanted: str) -> Verdict:
    result = master.run("curl -sS -m 3 -H %s http://registry.docker-dca.example/", f"Host: {site}")
    said = result.stdout.strip() if result.rc == 0 else registry_api.complaint(result.stderr)  # no curl timing
    said = said[:160] or "an empty answer"
    return verdict(result.rc == 0 and result.stdout.strip() == wanted, f"a request for {site} gets \"{wanted}\"",
                   f"curl got: {said}")


def test_host_routing(task) -> None:
    registry, master = task.host("registry"), task.host("master")
    if task.solving and not all(routed(master, site, wanted).passed for site, wanted in SITES.values()):
        encoded = base64.b64encode(CONFIG.encode()).decode()
        run_or_raise(registry, "mkdir -p /root/proxy && f=/root/proxy/default.conf && { [ ! -f $f ] || "
                               "cp -p $f $f.before-solve-$(date +%%Y%%m%%d-%%H%%M%%S); } && echo %s | base64 -d > $f",
                     encoded)  # the learner's own file is kept beside it
        containers.ensure(registry, "proxy", RUN, lambda found: containers.publishes(found, 80).passed
                          and bool(networks.addresses_on(found, "sites")))
        run_or_raise(registry, "docker restart proxy >/dev/null")  # nginx reads its configuration when it starts
        task.until(lambda: routed(master, *SITES["a-example"]), STARTING_SECONDS)  # nginx starting to listen
    task.grade({check: routed(master, site, wanted) for check, (site, wanted) in SITES.items()})
