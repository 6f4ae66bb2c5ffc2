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
