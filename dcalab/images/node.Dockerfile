# A lab node of this machine's lab: the node system (node-base.Dockerfile) trusting the lab CA, root logging in over
# SSH with the lab key. Only files are added, so it is made without a network from a bundle's node system.
FROM {{ base }}
COPY lab-ca.crt /usr/local/share/ca-certificates/dcalab-lab-ca.crt
RUN update-ca-certificates
COPY lab-ssh.pub /root/.ssh/authorized_keys
RUN chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys
