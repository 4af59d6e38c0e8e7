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

# a crashlab that is itself killed (e.g. by a test timeout) stops its guest
"$CRASHLAB" capture --name lab-sigterm --force --timeout 300 --ram 512M --anon 0 \
	--pagecache 0 --tmpfs 0 --thp 0 --hugetlb 0 --pre-crash-cmd 'sleep 100000' 2>/dev/null &
pid=$!
i=0
while [ $i -lt 120 ] && ! pgrep -f "qemu-system.*[r]un-lab-sigterm-" >/dev/null; do
	sleep 1
	i=$((i + 1))
done
t_check "the guest was started" sh -c 'pgrep -f "qemu-system.*[r]un-lab-sigterm-" >/dev/null'
sleep 2
kill -TERM $pid
wait $pid
rc=$?
t_check "crashlab exits 143 on SIGTERM (rc=$rc)" test "$rc" = 143
t_check "its qemu is gone" sh -c '! pgrep -f "qemu-system.*[r]un-lab-sigterm-" >/dev/null'
t_check "its run directory is removed" sh -c '! ls -d "$1"/run-lab-sigterm-* >/dev/null 2>&1' _ "$CRASHCAP_CACHE"
t_done
