#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Capture initrd entry: run by crashcap-capture.service (systemd) or as
# dracut's pre-pivot hook (no systemd). Does nothing outside a capture kernel.
if [ -e /proc/vmcore ]; then
    if grep -Eq '^(nfs|nfs4|ssh) ' /etc/kdump.conf 2>/dev/null; then
        /usr/lib/crashcap/crashcap-network.sh
    fi
    echo "crashcap: capture kernel up, saving /proc/vmcore" > /dev/kmsg 2>/dev/null
    /usr/sbin/crashcap capture -c /etc/kdump.conf
fi
