#!/bin/sh
# Two crashlab runs asking for the same vmcore at once: one guest boots, the
# other waits on the cache lock and then returns the same cached file.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_possible

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$LAB_VMCORES/lab-lock.json"
opts="--ram 512M --anon 16 --pagecache 0 --tmpfs 0 --thp 0 --hugetlb 0"
# shellcheck disable=SC2086
"$CRASHLAB" capture --name lab-lock $opts >"$tmp/1.out" 2>"$tmp/1.err" &
p1=$!
# shellcheck disable=SC2086
"$CRASHLAB" capture --name lab-lock $opts >"$tmp/2.out" 2>"$tmp/2.err" &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
t_check "both runs succeed ($r1, $r2)" test "$r1" = 0 -a "$r2" = 0
t_check "both print the same vmcore" sh -c 'test -s "$1/1.out" && cmp -s "$1/1.out" "$1/2.out"' _ "$tmp"
boots=$(cat "$tmp/1.err" "$tmp/2.err" | grep -c "booting lab-lock")
t_check "exactly one guest booted ($boots)" test "$boots" = 1
t_check "the other one waited for the lock" \
	sh -c 'cat "$1/1.err" "$1/2.err" | grep -q "waiting for .*guest.lock"' _ "$tmp"
t_check "the vmcore is there" test -s "$(cat "$tmp/1.out")"
rm -f "$LAB_VMCORES"/lab-lock.*
t_done
