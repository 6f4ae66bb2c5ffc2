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

# Boot to multi-user; mask what cannot work in an unprivileged container (no consoles,
# no kernel tunables or module loading, read-only /sys).
systemctl set-default multi-user.target
systemctl mask \
    getty@tty1.service console-getty.service serial-getty@.service \
    systemd-udevd.service systemd-udev-trigger.service systemd-udevd-control.socket \
    systemd-udevd-kernel.socket systemd-modules-load.service systemd-sysctl.service \
    systemd-remount-fs.service systemd-firstboot.service \
    sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    sys-fs-fuse-connections.mount dev-hugepages.mount dev-mqueue.mount

rm -rf /tmp/* /var/tmp/* /var/log/*.log /var/cache/debconf/*-old
