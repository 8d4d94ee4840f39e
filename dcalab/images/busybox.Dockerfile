# busybox from Debian's busybox-static, installed inside the build, so it is made for the engine's architecture.
FROM {{ base }} AS debian
{% include "apt-install.Dockerfile" -%}
RUN mkdir -p /rootfs/bin /rootfs/sbin /rootfs/usr/bin /rootfs/usr/sbin /rootfs/etc /rootfs/root /rootfs/var \
      /rootfs/lib /rootfs/tmp \
 && chmod 1777 /rootfs/tmp \
 && cp /bin/busybox /rootfs/bin/busybox \
 && for applet in $(/bin/busybox --list-full); do \
      [ "$applet" = bin/busybox ] || ln -s /bin/busybox "/rootfs/$applet"; \
    done \
 && printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > /rootfs/etc/passwd \
 && printf 'root:x:0:\nnogroup:x:65534:\n' > /rootfs/etc/group

FROM scratch
COPY --from=debian /rootfs/ /
CMD ["/bin/sh"]
