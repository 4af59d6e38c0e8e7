#!/bin/sh
# crashlab's extension points other modules use: --extra-file + --capture-cmd
# (own capture binary), --load-cmd (own loader), --pre-crash-cmd, --append,
# --capture-append, --crashkernel; and the cache returns the same result.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_possible
here=$(cd "$(dirname "$0")" && pwd)

set -- --ram 512M --anon 0 --pagecache 0 --tmpfs 0 --thp 0 --hugetlb 0 \
	--crashkernel 160M --append crashlab_first=1 --capture-append crashlab_cap=1 \
	--extra-file "$here/hook-capture.sh:/usr/local/bin/hook-capture" \
	--extra-file /usr/bin/makedumpfile:/usr/bin/makedumpfile \
	--capture-cmd 'hook-capture hello && makedumpfile --dump-dmesg /proc/vmcore $CL_OUT/dmesg.txt' \
	--load-cmd 'kexec -p "$CL_KERNEL" --initrd="$CL_INITRD" --append="$CL_CAPTURE_CMDLINE crashlab_hook=1"' \
	--pre-crash-cmd 'echo pre-crash-hook-ran'
out=$(lab_vmcore hooks "$@") || t_bail "crashlab capture --name hooks"
t_check "result is the .out directory (no vmcore copied)" test -d "$out" -a "${out%.out}" != "$out"
t_check "hook wrote the ELF header of /proc/vmcore" \
	sh -c 'head -c 4 "$1/head" | od -c | grep -q "177   E   L   F"' _ "$out"
t_check "hook got its argument" grep -qx hello "$out/arg"
t_check "a dynamic ELF extra file (makedumpfile + libs) ran in the capture kernel" \
	grep -q "sysrq: Trigger a crash" "$out/dmesg.txt"
t_check "capture kernel got --capture-append" grep -q crashlab_cap=1 "$out/cmdline"
t_check "--load-cmd loaded the crash kernel (its own append)" grep -q crashlab_hook=1 "$out/cmdline"
t_check "capture kernel has reset_devices" grep -q reset_devices "$out/cmdline"
log=$LAB_VMCORES/hooks.log
t_check "first kernel booted with crashkernel=160M and --append" \
	grep -aq "Kernel command line:.*crashkernel=160M.*crashlab_first=1" "$log"
t_check "--pre-crash-cmd ran before the panic" grep -aq pre-crash-hook-ran "$log"
t_check "sidecar lists the hook's files" \
	test "$(lab_meta hooks out_files)" = "['arg', 'cmdline', 'dmesg.txt', 'head', 'size']"
size=$(cat "$out/size")
# 512M - 160M reserved, + the PT_LOAD of the kernel text mapping (~40M)
t_check "vmcore size fits 512M-160M ($size)" test "$size" -gt 300000000 -a "$size" -lt 450000000

t0=$(date +%s)
err2=$(lab_vmcore hooks "$@" 2>&1 >/dev/null)
out2=$(lab_vmcore hooks "$@" 2>/dev/null)
t1=$(date +%s)
t_check "second call is served from the cache (no guest booted)" \
	sh -c '! echo "$1" | grep -q booting' _ "$err2"
t_check "and returns the same path" test "$out2" = "$out"
t_diag "two cached calls took $((t1 - t0)) s"
t_done
