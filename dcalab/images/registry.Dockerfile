# registry:2 built from Debian's docker-registry package (the Distribution registry, as upstream's image).
FROM {{ base }}
COPY registry /bin/registry
COPY libc.so.6 ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/
COPY config.yml /etc/docker/registry/config.yml
# Debian's CA bundle, so a pull-through cache verifies its upstream's TLS, as upstream's alpine image does.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY entrypoint.sh /entrypoint.sh
RUN mkdir -p /lib64 && ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2
VOLUME ["/var/lib/registry"]
EXPOSE 5000
ENTRYPOINT ["/entrypoint.sh"]
CMD ["/etc/docker/registry/config.yml"]
