#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Minimal network bring-up for nfs/ssh targets in the capture initrd: every
# ethernet link up, then the static address given by
# rd.crashcap.ip=ADDR/PREFIX[,GATEWAY] on the capture kernel's command line,
# or DHCP through busybox udhcpc (this script is its lease handler too).
if [ -n "$interface" ] && [ "$1" = bound ]; then
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface" && break; done
    exit 0
fi
[ -n "$interface" ] && exit 0
modprobe -q virtio_net 2>/dev/null
modprobe -q e1000 2>/dev/null
ip link set lo up
static=$(sed -n 's/.*rd\.crashcap\.ip=\([^ ]*\).*/\1/p' /proc/cmdline)
for i in 1 2 3 4 5 6 7 8 9 10; do
    ls /sys/class/net | grep -qv '^lo$' && break
    sleep 0.5
done
for d in /sys/class/net/*; do
    n=${d##*/}
    [ "$n" = lo ] && continue
    ip link set "$n" up
    if [ -n "$static" ]; then
        ip addr add "${static%%,*}" dev "$n"
        case "$static" in *,*) ip route add default via "${static#*,}" dev "$n" ;; esac
    elif command -v udhcpc >/dev/null 2>&1; then
        udhcpc -i "$n" -n -q -t 5 -s /usr/lib/crashcap/crashcap-network.sh >/dev/null 2>&1
    elif command -v busybox >/dev/null 2>&1; then
        busybox udhcpc -i "$n" -n -q -t 5 -s /usr/lib/crashcap/crashcap-network.sh >/dev/null 2>&1
    fi
done
exit 0
