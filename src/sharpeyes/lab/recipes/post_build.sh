#!/bin/sh
# Run by `sharpeyes.lab.images` inside the debootstrapped root (chroot) before it is tarred.
set -eu

# apt: no package lists in the image, and a lists directory so old that Ansible's
# cache_valid_time never skips the first `apt update` (LAB-NOTES trap).
apt-get clean
rm -rf /var/lib/apt/lists/*
mkdir -p /var/lib/apt/lists/partial
touch -d '2000-01-01 00:00:00' /var/lib/apt/lists/partial /var/lib/apt/lists

# Every container gets its own machine-id at boot.
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id

# Boot to multi-user. With the lab's run options (SYS_ADMIN, host cgroupns, ro cgroup mount)
# all three distros reach `running` with `systemctl --failed` empty, so no unit is masked.
systemctl set-default multi-user.target

rm -rf /tmp/* /var/tmp/* /var/log/*.log /var/cache/debconf/*-old

# SSH host keys belong to each container, not to the image: drop the build's and generate them
# at first boot, before sshd (ssh.service, or ssh.socket on Ubuntu) can start.
rm -f /etc/ssh/ssh_host_*
cat > /etc/systemd/system/sharpeyes-ssh-hostkeys.service <<'UNIT'
[Unit]
Description=Generate this host's SSH host keys (sharpeyes lab image)
Before=ssh.service ssh.socket

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
systemctl enable sharpeyes-ssh-hostkeys.service
# Without CAP_AUDIT_CONTROL (no --privileged here) pam_loginuid cannot write the login uid and,
# as "required", would close every SSH session at once: optional in the lab images only.
sed -i 's/^session\s\+required\s\+pam_loginuid\.so/session optional pam_loginuid.so/' \
    /etc/pam.d/sshd
