# A lab node's system: Debian with systemd as PID 1 and Debian's docker.io, like the seed's Vagrant hosts. Nothing of
# one machine's lab (its CA, its SSH key) is in it, so an image bundle carries it to any machine (node.Dockerfile).
FROM {{ base }}
{% include "apt-install.Dockerfile" -%}
# Units that cannot work in a container, and everything that would phone home.
RUN systemctl mask systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
      getty.target console-getty.service systemd-modules-load.service systemd-timesyncd.service \
      apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
      systemd-resolved.service sys-kernel-config.mount sys-kernel-debug.mount \
 && systemctl enable docker.service
# SSH, for the ssh and Vagrant backends: each node makes its own host keys when it starts.
RUN rm -f /etc/ssh/ssh_host_* \
 && mkdir -p /etc/systemd/system/ssh.service.d \
 && printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' \
      > /etc/systemd/system/ssh.service.d/host-keys.conf \
 && systemctl enable ssh.service
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
