#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Minimal network bring-up for nfs/ssh targets in the capture initrd: every
# ethernet link up, then the static address given by
# rd.crashcap.ip=ADDR/PREFIX[,GATEWAY] on the capture kernel's command line,
# or DHCP through busybox udhcpc (this script is its lease handler too).
# Plain shell only: the initrd has no grep or awk.
if [ -n "${interface:-}" ]; then
    if [ "$1" = bound ] || [ "$1" = renew ]; then
        ip addr add "$ip/${mask:-24}" dev "$interface"
        for r in $router; do ip route add default via "$r" dev "$interface" && break; done
    fi
    exit 0
fi
say() { echo "crashcap-network: $*" > /dev/kmsg 2>/dev/null; echo "crashcap-network: $*"; }
modprobe -q virtio_net 2>/dev/null
modprobe -q e1000 2>/dev/null
ip link set lo up
static=
read -r cmdline < /proc/cmdline
for w in $cmdline; do
    case "$w" in rd.crashcap.ip=*) static=${w#rd.crashcap.ip=} ;; esac
done
nics() {
    for d in /sys/class/net/*; do
        [ "${d##*/}" = lo ] || [ ! -e "$d" ] || echo "${d##*/}"
    done
}
i=0
while [ $i -lt 40 ] && [ -z "$(nics)" ]; do
    sleep 0.5
    i=$((i + 1))
done
for n in $(nics); do
    ip link set "$n" up
    if [ -n "$static" ]; then
        ip addr add "${static%%,*}" dev "$n"
        case "$static" in *,*) ip route add default via "${static#*,}" dev "$n" ;; esac
    elif command -v udhcpc >/dev/null 2>&1; then
        udhcpc -i "$n" -n -q -t 5 -s /usr/lib/crashcap/crashcap-network.sh
    elif command -v busybox >/dev/null 2>&1; then
        busybox udhcpc -i "$n" -n -q -t 5 -s /usr/lib/crashcap/crashcap-network.sh
    fi
    say "$n up: $(ip -4 -o addr show dev "$n")"
done
[ -n "$(nics)" ] || say "no network interface"
exit 0
