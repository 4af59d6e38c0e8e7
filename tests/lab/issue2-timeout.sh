#!/bin/sh
# A guest that hangs is killed at --timeout and reported, never left running.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_possible

t0=$(date +%s)
err=$("$CRASHLAB" capture --name lab-timeout --force --timeout 25 --ram 512M --anon 0 \
	--pagecache 0 --tmpfs 0 --thp 0 --hugetlb 0 --pre-crash-cmd 'sleep 100000' 2>&1 >/dev/null)
rc=$?
t1=$(date +%s)
t_check "crashlab fails on a hung guest (rc=$rc)" test "$rc" != 0
t_check "it says the guest hung and was killed" sh -c 'echo "$1" | grep -q "hung: killed after 25 s"' _ "$err" || echo "$err" | tail -n 5 | sed "s/^/# /"
t_check "it returned soon after the timeout ($((t1 - t0)) s)" test $((t1 - t0)) -lt 60
sleep 1
t_check "no qemu of that run is left" sh -c '! pgrep -f "qemu-system.*[r]un-lab-timeout-" >/dev/null'
t_check "no vmcore was recorded" test ! -e "$LAB_VMCORES/lab-timeout.json"
t_done
