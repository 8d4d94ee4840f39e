# registry:2 from Debian's docker-registry package (the Distribution registry, as upstream's image), installed inside
# the build with the libraries it needs, whatever the engine's architecture, onto busybox.
FROM {{ debian }} AS debian
{% include "apt-install.Dockerfile" -%}
RUN mkdir -p /out/bin /out/etc/ssl/certs \
 && cp /usr/bin/docker-registry /out/bin/registry \
 && for library in $(ldd /usr/bin/docker-registry | grep -o '/[^ ]*'); do cp --parents -L "$library" /out; done \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/

FROM {{ base }}
# Debian's CA bundle (its public CAs only), so a pull-through cache verifies its upstream's TLS, as upstream's does.
COPY --from=debian /out/ /
COPY config.yml /etc/docker/registry/config.yml
COPY entrypoint.sh /entrypoint.sh
VOLUME ["/var/lib/registry"]
EXPOSE 5000
ENTRYPOINT ["/entrypoint.sh"]
CMD ["/etc/docker/registry/config.yml"]
