#!/bin/sh
# Issue 7: the capture orchestration as init, without systemd or udev. The
# lab's capture kernel execs `crashcap capture` as PID 1 (crashlab
# --capture-exec); crashcap mounts the target named in kdump.conf itself,
# writes <path>/<host>-<date>/{vmcore-dmesg.txt,vmcore,kexec-dmesg.log},
# says the outcome on the console and powers the guest off (final_action).
# Usage: capture-init.sh CRASHCAP
. "$(dirname "$0")/lib.sh"
lab_skip_unless_possible
crashcap=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/capinit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# no udev in this initramfs: crashcap finds LABEL= by reading the superblocks
# (a stable path: crashlab's cache key covers the spec and the file's content)
conf=$CRASHCAP_CACHE/capinit-kdump.conf
cat >"$conf" <<'CONF'
ext4 LABEL=crashlab-out
path /dump
core_collector makedumpfile -l --message-level 1 -d 31
final_action poweroff
failure_action poweroff
CONF
out=$(lab_vmcore capinit --ram 1024M --anon 64 --zero 16 --pagecache 0 --tmpfs 16 --thp 0 \
	--hugetlb 0 --capture-exec \
	--extra-file "$crashcap:/usr/local/bin/crashcap" \
	--extra-file "$conf:/etc/kdump.conf" \
	--capture-cmd 'exec /usr/local/bin/crashcap capture --conf /etc/kdump.conf') ||
	t_bail "crashlab capture --name capinit --capture-exec"
log=$LAB_VMCORES/capinit.log
t_check "crashcap capture ran as PID 1 (init.sh exec'd it)" grep -aq "CRASHLAB capture-exec" "$log"
t_check "it said the outcome on the console: dump saved" grep -aq "dump saved: " "$log"
t_check "and powered the guest off itself (no capture-done from init.sh)" \
	sh -c '! grep -aq "CRASHLAB capture-done" "$1"' _ "$log"
dir=$(ls -d "$out"/*-????-??-??-??:??:?? 2>/dev/null | head -1)
t_check "one <host>-<YYYY-MM-DD-HH:MM:SS> directory under path /dump (${dir##*/})" test -n "$dir" -a -d "$dir"
[ -n "$dir" ] || t_done
t_check "vmcore-dmesg.txt holds the sysrq panic" grep -q "sysrq: Trigger a crash" "$dir/vmcore-dmesg.txt"
t_check "vmcore (no vmcore-incomplete left)" test -s "$dir/vmcore" -a ! -e "$dir/vmcore-incomplete"
"$crashcap" verify "$dir/vmcore" >"$tmp/verify" 2>&1
t_ok $? "crashcap verify accepts the vmcore ($(tail -1 "$tmp/verify"))"
"$crashcap" info "$dir/vmcore" >"$tmp/info" 2>&1
t_check "it is an lzo -d 31 kdump-compressed dump" grep -q "kdump-compressed" "$tmp/info"
t_check "kexec-dmesg.log has the capture's own log" grep -q "vmcore saved" "$dir/kexec-dmesg.log"
t_check "directory 0700, files 0600" sh -c '[ "$(stat -c %a "$1")" = 700 ] &&
	[ "$(stat -c %a "$1"/vmcore "$1"/vmcore-dmesg.txt "$1"/kexec-dmesg.log | sort -u)" = 600 ]' _ "$dir"
# when the capture began, on the capture kernel's clock (the mission: <= 5 s)
t_diag "capture kernel clock: $(grep -a "^\[ *[0-9.]*\] \[.*crashcap: dump saved" "$log" | head -1)"
vmlinux=$(lab_dbg capinit 2>/dev/null)
if [ -n "$vmlinux" ] && command -v crash >/dev/null 2>&1; then
	printf 'log\nbt\nquit\n' | crash -s "$vmlinux" "$dir/vmcore" >"$tmp/crash" 2>&1
	grep -q "sysrq: Trigger a crash" "$tmp/crash" && grep -q "sysrq_handle_crash" "$tmp/crash"
	t_ok $? "crash: log shows the sysrq panic, bt shows sysrq_handle_crash"
fi
t_done
