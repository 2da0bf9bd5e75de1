#!/bin/sh
# Run by build-vm.sh inside the image tree (chroot, as root), with /root/kt-setup holding this script,
# id_ed25519.pub (the test key) and alibaba-sysctl.conf. Makes the tree a VM that boots fast under QEMU's TCG:
# root on /dev/vda, static address 10.0.2.15 from systemd-networkd (QEMU's user network), sshd with key
# authentication only, user kt with NOPASSWD sudo, tuned installed but disabled, nothing that slows a boot.
set -eu
setup=/root/kt-setup

echo kt-vm >/etc/hostname
printf '127.0.0.1 localhost\n127.0.1.1 kt-vm\n' >/etc/hosts
printf '/dev/vda / ext4 rw,noatime 0 0\n' >/etc/fstab

# Network: systemd-networkd, the VM's one NIC (eth0: net.ifnames=0 on the kernel command line) with QEMU's
# user-network address; the tests add a dummy interface (.netdev) next to it.
mkdir -p /etc/systemd/network
cat >/etc/systemd/network/10-eth0.network <<'EOF'
[Match]
Name=eth0

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
systemctl enable systemd-networkd.service >/dev/null 2>&1

# sshd: keys only; the host keys were made by openssh-server's postinst (the same in every VM of the image).
mkdir -p /etc/ssh/sshd_config.d
printf '%s\n' "PasswordAuthentication no" "KbdInteractiveAuthentication no" "PermitRootLogin no" \
    "PubkeyAuthentication yes" "UseDNS no" >/etc/ssh/sshd_config.d/kerneltune.conf
mkdir -p /run/sshd
/usr/sbin/sshd -t
systemctl enable ssh.service >/dev/null 2>&1

# The test user.
useradd --create-home --uid 1000 --shell /bin/bash kt
usermod --password '*' kt
install -d -m 0700 -o kt -g kt /home/kt/.ssh
install -m 0600 -o kt -g kt "$setup/id_ed25519.pub" /home/kt/.ssh/authorized_keys
printf 'kt ALL=(ALL:ALL) NOPASSWD: ALL\n' >/etc/sudoers.d/kt
chmod 0440 /etc/sudoers.d/kt
visudo -c -q

# tuned: installed, not running (the tests enable it and pick a profile).
systemctl disable tuned.service >/dev/null 2>&1
# What would slow a boot or run during a test (none of it writes a sysctl key): timers, the console getty,
# waiting for the network, file systems and modules nothing here uses.
for unit in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service \
    fstrim.timer man-db.timer logrotate.timer getty@tty1.service systemd-networkd-wait-online.service \
    systemd-timesyncd.service dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    sys-kernel-config.mount sys-fs-fuse-connections.mount systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
    modprobe@drm.service modprobe@fuse.service modprobe@loop.service modprobe@dm_mod.service \
    modprobe@efi_pstore.service modprobe@configfs.service; do
    systemctl mask "$unit" >/dev/null 2>&1
done
# QEMU's "-cpu max" offers SVM/VMX: udev would load kvm for nothing (slow under TCG).
printf 'blacklist kvm\nblacklist kvm_amd\nblacklist kvm_intel\n' >/etc/modprobe.d/kerneltune.conf
systemctl set-default multi-user.target >/dev/null 2>&1
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\n' >/etc/systemd/journald.conf.d/kerneltune.conf

# The Alibaba Cloud ECS image's /etc/sysctl.conf, for the tests to place.
install -D -m 0644 "$setup/alibaba-sysctl.conf" /usr/local/share/kerneltune/alibaba-sysctl.conf

rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/*
