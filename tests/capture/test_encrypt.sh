#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump.conf encrypt_to through `crashcap capture` (root-fs target on a
# directory): the collector (the fake in test_capture) streams -F into
# crashcap's encryption; the file is vmcore.enc only when complete and
# decrypts to the source; a short dump stays vmcore-incomplete.
# usage: test_encrypt.sh CRASHCAP FAKE_CRASHCAP
set -u
C=$(readlink -f "$1")
FAKE=$(readlink -f "$2")
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
T=$(mktemp -d /tmp/cc-enc-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
if ! "$C" decrypt --genkey "$T/pub" "$T/sec" > "$T/genkey" 2>&1; then
	grep -q 'without libsodium' "$T/genkey" && { echo "1..0 # SKIP built without libsodium"; exit 77; }
	echo "not ok 1 - crashcap decrypt --genkey: $(cat "$T/genkey")"; exit 1
fi
mkdir -p "$T/root"
head -c 4096 /dev/zero > "$T/vmcore"
printf '\177ELF\002\001\001' | dd of="$T/vmcore" conv=notrunc status=none
head -c 300000 /dev/urandom >> "$T/vmcore"
printf 'path /var/crash\nencrypt_to %s/pub\ncore_collector makedumpfile -l -d 31\n' "$T" > "$T/kdump.conf"
export CRASHCAP_SELF="$FAKE" CRASHCAP_VMCORE="$T/vmcore" FAKE_REAL_CRASHCAP="$C"

"$C" capture -c "$T/kdump.conf" --sysroot "$T/root" --host enc --no-action > "$T/out" 2>&1
ok $? "capture with encrypt_to exits 0"
D=$(ls -d "$T"/root/var/crash/enc-* 2>/dev/null | head -n1)
[ -n "$D" ] && [ -f "$D/vmcore.enc" ] && [ ! -e "$D/vmcore-incomplete" ] && [ ! -e "$D/vmcore" ]
ok $? "vmcore.enc written, no plaintext vmcore, no vmcore-incomplete left"
[ -n "$D" ] && [ "$(stat -c %a "$D/vmcore.enc")" = 600 ]; ok $? "vmcore.enc 0600"
[ -n "$D" ] && [ "$(head -c 8 "$D/vmcore.enc")" = CCENCDMP ]; ok $? "encrypted format magic"
[ -n "$D" ] && [ -s "$D/vmcore.enc" ] && ! cmp -s "$D/vmcore.enc" "$T/vmcore" && ! grep -q "$(head -c 64 "$T/vmcore" | tail -c 16 | od -An -tx1 | tr -d ' \n')" "$D/vmcore.enc"
ok $? "ciphertext differs from the source"
"$C" decrypt --key "$T/sec" "$D/vmcore.enc" "$T/plain" > /dev/null 2>&1
ok $? "crashcap decrypt --key opens it"
cmp -s "$T/plain" "$T/vmcore"; ok $? "decrypted and reassembled dump equals the source"
grep -q "vmcore.enc saved" "$T/out"; ok $? "reported as vmcore.enc saved"

# The collector ends short (exit 3): vmcore-incomplete, still encrypted, kept.
rm -rf "$T/root/var"
FAKE_MODE=FULL "$C" capture -c "$T/kdump.conf" --sysroot "$T/root" --host enc --no-action > "$T/out2" 2>&1
D=$(ls -d "$T"/root/var/crash/enc-* 2>/dev/null | head -n1)
[ -n "$D" ] && [ -s "$D/vmcore-incomplete" ] && [ ! -e "$D/vmcore.enc" ]; ok $? "short dump: vmcore-incomplete kept"
[ -n "$D" ] && [ "$(head -c 8 "$D/vmcore-incomplete")" = CCENCDMP ]; ok $? "short dump: still encrypted"

# A broken key file: nothing plain is written; the dump is not claimed saved.
rm -rf "$T/root/var"
printf 'garbage\n' > "$T/badpub"
printf 'path /var/crash\nencrypt_to %s/badpub\ncore_collector makedumpfile -l -d 31\n' "$T" > "$T/kdump3.conf"
"$C" capture -c "$T/kdump3.conf" --sysroot "$T/root" --host enc --no-action > "$T/out3" 2>&1
rc=$?
D=$(ls -d "$T"/root/var/crash/enc-* 2>/dev/null | head -n1)
[ $rc != 0 ] && [ ! -e "$D/vmcore.enc" ] && [ ! -e "$D/vmcore" ]; ok $? "bad key: no vmcore.enc, no plaintext vmcore (exit $rc)"
echo "1..$n"
[ $failed = 0 ]
