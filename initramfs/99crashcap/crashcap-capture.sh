#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Capture initrd entry: run by crashcap-capture.service (systemd) or as
# dracut's pre-pivot hook (no systemd). Does nothing outside a capture kernel.
# Plain shell only: the initrd has no grep or awk.
if [ -e /proc/vmcore ]; then
    net=
    while read -r key _; do
        case "$key" in nfs|nfs4|ssh) net=1 ;; esac
    done < /etc/kdump.conf
    [ -n "$net" ] && /usr/lib/crashcap/crashcap-network.sh
    echo "crashcap: capture kernel up, saving /proc/vmcore" > /dev/kmsg 2>/dev/null
    /usr/sbin/crashcap capture -c /etc/kdump.conf
fi
