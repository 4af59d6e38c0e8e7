#!/bin/sh
# Lab: the guest's crash kernel is loaded by kdumpctl's own kexec_file_load
# loader (not kexec-tools), `kdumpctl status` says loaded, sysrq-c boots the
# capture kernel with our command line, and the capture gives a valid vmcore.
# usage: lab-kdumpctl.sh KDUMPCTL [NAME CRASHKERNEL RAM]
#
# Measured with 6.1.0-56-cloud-amd64 and the lab's 3.5 MiB busybox initrd:
# crashkernel=64M@16M reserves and loads fine, but the capture kernel has
# 18.8 MiB left after boot ("Memory: 18804K/66164K available ... 47100K
# reserved": 33 MB of kernel image, the initrd, mem_map) and panics in
# initcalls ("Out of memory and no killable processes"). 80M@16M (35 MiB
# free) and 96M@16M capture. A dracut/systemd initrd needs more (see
# kdumpctl estimate).
. "${LAB_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lib.sh"
lab_skip_unless_possible
K=$1
name=${2:-kdumpctl-256m}
ck=${3:-256M}
ram=${4:-1G}
[ -x "$K" ] || t_bail "kdumpctl binary $K"

here=$(cd "$(dirname "$0")" && pwd)
out=$(lab_vmcore "$name" --ram "$ram" --crashkernel "$ck" \
	--anon 16 --pagecache 0 --tmpfs 0 --thp 0 --hugetlb 0 \
	--extra-file "$K:/usr/sbin/kdumpctl" \
	--extra-file "$here/lab-load.sh:/usr/local/bin/lab-load" \
	--load-cmd 'lab-load' \
	--capture-cmd 'cat /proc/cmdline > $CL_OUT/cmdline; cp /proc/vmcore $CL_OUT/vmcore') ||
	t_bail "crashlab capture --name $name (see $LAB_VMCORES/$name.log)"
log=$LAB_VMCORES/$name.log
dir=$LAB_VMCORES/$name.out
t_check "first kernel booted with crashkernel=$ck" grep -aq "Kernel command line:.*crashkernel=$ck" "$log"
t_check "KEXEC_ARGS=-c: kdumpctl loaded through kexec -p" \
	grep -aq "LAB: tools-load rc=0 loaded=1" "$log"
t_check "kdumpctl stop unloaded it; status then exits 3" \
	grep -aq "LAB: after-stop status=3 loaded=0" "$log"
t_check "kdumpctl loaded the capture kernel with kexec_file_load" \
	sh -c 'grep -aq "kdumpctl: loaded .* with kexec_file_load" "$1" && grep -aq "LAB: file-load rc=0 loaded=1" "$1"' _ "$log"
t_check "kdumpctl status printed loaded and exited 0" \
	sh -c 'grep -aq "kdump: loaded: operational" "$1" && grep -aq "LAB: status=0" "$1"' _ "$log"
t_check "kdumpctl showmem saw the reservation" grep -aq "Reserved [0-9]*MB memory for crash kernel" "$log"
t_check "capture kernel booted with our command line (the file-loaded image)" \
	sh -c 'grep -q "irqpoll nr_cpus=1 reset_devices.*crashcap_lab_loader=1" "$1" && ! grep -q crashcap_lab_tools "$1"' _ "$dir/cmdline"
t_check "no crashkernel= in the capture command line" sh -c '! grep -q crashkernel= "$1"' _ "$dir/cmdline"
t_check "the kernel added elfcorehdr= (kexec_file_load path)" grep -q "elfcorehdr=" "$dir/cmdline"
t_check "vmcore is an ELF core" sh -c 'readelf -h "$1" | grep -q "CORE (Core file)"' _ "$out"
t_check "vmcore has VMCOREINFO with OSRELEASE" sh -c 'readelf -n "$1" | grep -q VMCOREINFO && head -c 1048576 "$1" | grep -aq OSRELEASE=' _ "$out"
t_diag "capture: $(lab_meta "$name" capture_seconds) s in the capture kernel, $(lab_meta "$name" vmcore_size) bytes"
t_done
