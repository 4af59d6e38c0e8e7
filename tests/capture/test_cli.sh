#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# crashcap format / capture (raw target) / savecore through the command line,
# on a regular file standing in for the partition; the collector is the fake
# one in test_capture. usage: test_cli.sh CRASHCAP FAKE_CRASHCAP
set -u
C=$1
FAKE=$2
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
T=$(mktemp -d /tmp/cc-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT

head -c 1048576 /dev/urandom > "$T/part"
cp "$T/part" "$T/part.orig"
printf 'raw %s/part\nsample_rate 4\nfailure_action halt\n' "$T" > "$T/kdump.conf"
head -c 4096 /dev/zero > "$T/vmcore"
printf '\177ELF\002\001\001' | dd of="$T/vmcore" conv=notrunc status=none
head -c 200000 /dev/urandom >> "$T/vmcore"
export CRASHCAP_SELF="$FAKE" CRASHCAP_VMCORE="$T/vmcore"

"$C" capture -c "$T/kdump.conf" --host cli --no-action > "$T/out1" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "action halt" "$T/out1"; ok $? "unformatted raw target: refused, nothing saved, failure_action (exit $rc)"
cmp -s "$T/part" "$T/part.orig"; ok $? "the unformatted file is byte-identical"

"$C" format "$T/part" > /dev/null; ok $? "crashcap format"
od -A n -t x4 -w24 -j 20480 -N 24 "$T/part" | tr -s ' ' > "$T/w"
# block 5: "disk" "dump" 5 88 1001 11044 (little-endian words)
[ "$(cat "$T/w")" = " 6b736964 706d7564 00000005 00000058 000003e9 00002b24" ]; ok $? "block 5 signature words: $(cat "$T/w")"
"$C" savecore -d "$T/crash" "$T/part" | grep -q "no dump"; ok $? "savecore on an empty partition: no dump"

"$C" capture -c "$T/kdump.conf" --host cli --no-action > "$T/out2" 2>&1
ok $? "capture to the formatted raw file"
"$C" format "$T/part" > /dev/null 2>&1
[ $? = 1 ]; ok $? "format refuses a partition holding an unsaved dump"
"$C" capture -c "$T/kdump.conf" --host cli --no-action > "$T/out3" 2>&1
[ $? = 1 ] && grep -q "not saved yet" "$T/out3"; ok $? "a second capture does not overwrite the unsaved dump"
"$C" savecore -d "$T/crash" "$T/part" > "$T/out4"; ok $? "savecore: $(cat "$T/out4")"
D=$(ls -d "$T"/crash/cli-* | head -n1)
cmp -s "$D/vmcore" "$T/vmcore"; ok $? "saved vmcore equals the source"
[ -s "$D/vmcore-dmesg.txt" ] && [ -s "$D/kexec-dmesg.log" ]; ok $? "dmesg and capture log saved"
"$C" savecore -d "$T/crash" "$T/part" | grep -q "no dump"; ok $? "partition re-formatted: no dump again"
"$C" capture -c "$T/kdump.conf" --host cli --no-action > /dev/null 2>&1; ok $? "and usable for the next crash"
echo "1..$n"
[ $failed = 0 ]
