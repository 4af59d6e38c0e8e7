#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module "crashcap": the capture initrd. Installs crashcap, the
# normalized kdump.conf, and only what the configured targets need (their
# filesystem / network drivers and tools), plus kdump_pre/kdump_post,
# extra_bins and extra_modules. Boots straight into crashcap-capture.service
# when /proc/vmcore exists. Only included when asked for: dracut -a crashcap.
#
# Inputs (environment, optional): CRASHCAP_CONF (default /etc/kdump.conf),
# CRASHCAP_BIN (default: crashcap in PATH or /usr/sbin/crashcap).

crashcap_bin() {
    local b="${CRASHCAP_BIN:-}"
    [[ -n $b ]] || b=$(command -v crashcap 2>/dev/null)
    [[ -n $b ]] || b=/usr/sbin/crashcap
    echo "$b"
}

# The normalized conf, computed once per dracut run.
crashcap_conf() {
    local out="${DRACUT_TMPDIR:-/tmp}/crashcap-kdump.conf"
    if [[ ! -s $out ]]; then
        "$(crashcap_bin)" capture --print-conf -c "${CRASHCAP_CONF:-/etc/kdump.conf}" > "$out" || return 1
    fi
    cat "$out"
}

crashcap_needs_net() {
    crashcap_conf | grep -Eq '^(nfs|nfs4|ssh) '
}

check() {
    # Never picked up implicitly: kdumpctl asks for it with -a crashcap.
    return 255
}

depends() {
    local d="base fs-lib"
    [[ -d $dracutbasedir/modules.d/00systemd ]] && d="$d systemd"
    echo "$d"
    return 0
}

# Block devices behind the fs and raw targets, resolved on this machine
# (UUID=/LABEL=/PARTUUID=/PARTLABEL= through blkid), plus the root fs
# (dump_to_rootfs, and the default target). One per line.
crashcap_target_devs() {
    local key val dev
    while read -r key val; do
        case "$key" in
            ext2|ext3|ext4|xfs|btrfs|vfat|minix|raw)
                case "$val" in
                    UUID=*|LABEL=*|PARTUUID=*|PARTLABEL=*)
                        dev=$(blkid -l -o device -t "$val" 2>/dev/null) ;;
                    *) dev=$val ;;
                esac
                [[ -b $dev ]] && echo "$dev"
                ;;
        esac
    done < <(crashcap_conf)
    dev=$(findmnt -n -o SOURCE / 2>/dev/null)
    [[ -b $dev ]] && echo "$dev"
}

# Does the capture need the root filesystem (so wait for /sysroot)? Yes for
# the default target (no target line), for failure_action dump_to_rootfs, and
# for a disk target on the root fs's own device or one not found here (then
# root's fsck and mount must not race with crashcap's mount of it). NFS, ssh
# and other disks do not: the capture then starts as soon as its own device
# or network is up, while the root fs is still being checked and mounted.
crashcap_needs_root() {
    local key val dev root targets=0
    root=$(findmnt -n -o SOURCE / 2>/dev/null)
    [[ -b $root ]] && root=$(readlink -f "$root")
    while read -r key val; do
        case "$key" in
            ext2|ext3|ext4|xfs|btrfs|vfat|minix|raw)
                targets=1
                case "$val" in
                    UUID=*|LABEL=*|PARTUUID=*|PARTLABEL=*)
                        dev=$(blkid -l -o device -t "$val" 2>/dev/null) ;;
                    *) dev=$val ;;
                esac
                [[ -b $dev ]] || return 0
                [[ $(readlink -f "$dev") == "$root" ]] && return 0
                ;;
            nfs|nfs4|ssh) targets=1 ;;
            failure_action) [[ $val == dump_to_rootfs ]] && return 0 ;;
        esac
    done < <(crashcap_conf)
    [[ $targets == 0 ]]
}

installkernel() {
    local key val dev mods
    while read -r key val; do
        case "$key" in
            ext2|ext3|ext4|xfs|btrfs|vfat|minix) hostonly='' instmods "$key" ;;
            nfs|nfs4) hostonly='' instmods nfs nfsv3 nfsv4 sunrpc ;;
            extra_modules) for m in $val; do hostonly='' instmods "$m"; done ;;
        esac
    done < <(crashcap_conf)
    if crashcap_needs_net; then
        hostonly='' instmods virtio_net virtio_pci e1000 e1000e af_packet
    fi
    # The drivers of the target devices and their parents (disk, bus):
    # kdumpctl runs dracut --hostonly --hostonly-mode strict, so this and
    # the lists above are all the capture gets. When a target cannot be
    # resolved here (not attached yet), virtio guests still find their disk.
    while read -r dev; do
        mods=$(get_dev_module "$dev" 2>/dev/null)
        [[ -n $mods ]] && hostonly='' instmods $mods
    done < <(crashcap_target_devs)
    hostonly='' instmods virtio_pci virtio_blk virtio_scsi sd_mod
}

install() {
    local key val bin
    bin=$(crashcap_bin)
    inst_binary "$bin" /usr/sbin/crashcap
    crashcap_conf > "$initdir/etc/kdump.conf" || { derror "crashcap: cannot normalize kdump.conf"; return 1; }
    [[ -f /etc/hostname ]] && inst_simple /etc/hostname
    inst_multiple -o sync reboot poweroff halt sh mkdir cat mv modprobe grep sed
    while read -r key val; do
        case "$key" in
            nfs|nfs4) inst_multiple mount umount; inst_multiple -o mount.nfs mount.nfs4 ;;
            ssh)
                inst_multiple ssh
                inst_multiple -o ip udhcpc busybox
                [[ -d /root/.ssh ]] && inst_dir /root/.ssh
                [[ -f /root/.ssh/known_hosts ]] && inst_simple /root/.ssh/known_hosts
                [[ -f /etc/ssh/ssh_config ]] && inst_simple /etc/ssh/ssh_config
                ;;
            sshkey) [[ -f $val ]] && inst_simple "$val" ;;
            # crashcap loads libsnappy only for -p (dlopen): dracut cannot see it
            core_collector) [[ " $val " == *" -p "* ]] && inst_libdir_file "libsnappy.so.1*" ;;
            # The public key only: the secret one never goes near the capture.
            encrypt_to) inst_simple "$val" || { derror "crashcap: encrypt_to $val: cannot install"; return 1; } ;;
            kdump_pre|kdump_post) inst_binary "$val" 2>/dev/null || inst_simple "$val" ;;
            extra_bins) for b in $val; do inst_binary "$b" 2>/dev/null || inst_simple "$b"; done ;;
        esac
    done < <(crashcap_conf)
    # ssh needs the user in /etc/passwd for its home directory.
    if crashcap_needs_net; then
        grep -q '^root:' "$initdir/etc/passwd" 2>/dev/null || echo 'root:x:0:0::/root:/bin/sh' >> "$initdir/etc/passwd"
        inst_multiple -o ip
        inst_script "$moddir/crashcap-network.sh" /usr/lib/crashcap/crashcap-network.sh
    fi
    inst_script "$moddir/crashcap-capture.sh" /usr/lib/crashcap/crashcap-capture.sh
    if dracut_module_included "systemd"; then
        if crashcap_needs_root; then
            inst_simple "$moddir/crashcap-capture.service" "$systemdsystemunitdir/crashcap-capture.service"
        else
            mkdir -p "$initdir/$systemdsystemunitdir"
            sed -e 's/^After=sysroot.mount initrd-root-fs.target$/# no target on the root fs: not waiting for \/sysroot (dracut module crashcap)/' \
                "$moddir/crashcap-capture.service" > "$initdir/$systemdsystemunitdir/crashcap-capture.service"
        fi
        mkdir -p "$initdir/$systemdsystemunitdir/initrd.target.wants"
        ln_r "$systemdsystemunitdir/crashcap-capture.service" \
            "$systemdsystemunitdir/initrd.target.wants/crashcap-capture.service"
    else
        # dracut's shell init: the capture runs from the pre-pivot hook.
        inst_hook pre-pivot 90 "$moddir/crashcap-capture.sh"
    fi
}
