#!/bin/sh
# Runs in the lab guest's first kernel (crashlab --load-cmd): exercises
# kdumpctl's loaders, then leaves the crash kernel loaded by our own
# kexec_file_load. Prints LAB: lines the host test greps in the console log.
# Environment from crashlab: CL_KERNEL CL_INITRD CL_CAPTURE_CMDLINE.
set -u
load() { # extra-append, then kdumpctl load
	kdumpctl load --kernel="$CL_KERNEL" --initrd="$CL_INITRD" \
		--command-line="$CL_CAPTURE_CMDLINE" --append="$1"
}
# 1. KEXEC_ARGS=-c: kexec-tools' kexec -p (kexec_load) does the loading.
printf 'KEXEC_ARGS="-c"\n' > /tmp/sysconfig-c
KDUMP_SYSCONFIG=/tmp/sysconfig-c load crashcap_lab_tools=1
echo "LAB: tools-load rc=$? loaded=$(cat /sys/kernel/kexec_crash_loaded)"
# 2. stop unloads (KEXEC_FILE_UNLOAD also drops an image kexec_load loaded).
kdumpctl stop
kdumpctl status
echo "LAB: after-stop status=$? loaded=$(cat /sys/kernel/kexec_crash_loaded)"
# 3. Our kexec_file_load loader; this one stays loaded for the panic.
load crashcap_lab_loader=1
echo "LAB: file-load rc=$? loaded=$(cat /sys/kernel/kexec_crash_loaded)"
kdumpctl status
echo "LAB: status=$?"
kdumpctl showmem
