#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The ssh target for real: a throw-away sshd on 127.0.0.1 (high port, temp
# keys), `crashcap capture` with a fake collector (test_capture in fake mode)
# streaming the flattened format through `ssh ... cat > vmcore-incomplete`.
# usage: test_ssh.sh CRASHCAP FAKE_CRASHCAP
set -u
CRASHCAP=$1
FAKE=$2
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || { echo "1..0 # SKIP no openssh"; exit 77; }

T=$(mktemp -d /tmp/cc-ssh-XXXXXX)
cleanup() { [ -f "$T/sshd.pid" ] && kill "$(cat "$T/sshd.pid")" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
ssh-keygen -q -t ed25519 -N '' -f "$T/host"
ssh-keygen -q -t ed25519 -N '' -f "$T/client"
cp "$T/client.pub" "$T/authorized_keys"
chmod 600 "$T/authorized_keys"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$T/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $PORT
HostKey $T/host
AuthorizedKeysFile $T/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $T/sshd.pid
PermitRootLogin prohibit-password
CFG
mkdir -p /run/sshd 2>/dev/null
"$SSHD" -f "$T/sshd_config" -E "$T/sshd.log"
for i in 1 2 3 4 5 6 7 8 9 10; do [ -f "$T/sshd.pid" ] && break; sleep 0.2; done
[ -f "$T/sshd.pid" ] || { echo "1..0 # SKIP sshd did not start: $(tail -2 "$T/sshd.log")"; exit 77; }

USER_=$(id -un)
mkdir -p "$T/dumps"
head -c 4096 /dev/zero > "$T/vmcore"
printf '\177ELF\002\001\001' | dd of="$T/vmcore" conv=notrunc status=none
head -c 300000 /dev/urandom >> "$T/vmcore"
printf 'ssh %s@127.0.0.1\nsshkey %s/client\npath %s/dumps\ncore_collector makedumpfile -l -d 31\nfailure_action poweroff\n' \
	"$USER_" "$T" "$T" > "$T/kdump.conf"
export CRASHCAP_SSH_OPTS="-p $PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
export CRASHCAP_SELF="$FAKE" CRASHCAP_VMCORE="$T/vmcore"
"$CRASHCAP" capture -c "$T/kdump.conf" --host sshtest --no-action > "$T/out" 2>&1
rc=$?
ok $rc "crashcap capture to ssh exits 0 (got $rc)"
D=$(ls -d "$T"/dumps/sshtest-* 2>/dev/null | head -n1)
[ -n "$D" ] && [ -f "$D/vmcore.flat" ]; ok $? "remote <host>-<date>/vmcore.flat exists (flattened stream, named as kdump-utils does)"
[ -n "$D" ] && [ ! -e "$D/vmcore-incomplete" ]; ok $? "vmcore-incomplete renamed away"
[ -n "$D" ] && grep -q "Trigger a crash" "$D/vmcore-dmesg.txt"; ok $? "vmcore-dmesg.txt streamed"
[ -n "$D" ] && grep -q "vmcore.flat saved" "$D/kexec-dmesg.log"; ok $? "kexec-dmesg.log streamed"
[ -n "$D" ] && [ "$(stat -c %a "$D")" = 700 ] && [ "$(stat -c %a "$D/vmcore.flat")" = 600 ]; ok $? "remote dir 0700, vmcore.flat 0600"
if command -v makedumpfile >/dev/null && [ -n "$D" ]; then
	makedumpfile -R "$T/re" < "$D/vmcore.flat" > /dev/null 2>&1
	cmp -s "$T/re" "$T/vmcore"; ok $? "makedumpfile -R of the remote flattened vmcore equals the source"
fi
grep -q "action poweroff" "$T/out"; [ $? = 1 ]; ok $? "final_action (reboot), not failure_action"

# A path the remote shell would expand or split: single-quoted, created
# literally, nothing run.
WEIRD="$T/dumps/it's\$(id>$T/pwned)\`id>$T/pwned2\`;x&y"
printf 'ssh %s@127.0.0.1\nsshkey %s/client\npath %s\ncore_collector makedumpfile -l -d 31\n' \
	"$USER_" "$T" "$WEIRD" > "$T/kdump3.conf"
"$CRASHCAP" capture -c "$T/kdump3.conf" --host sshtest --no-action > "$T/out3" 2>&1
rc=$?
D3=$(ls -d "$WEIRD"/sshtest-* 2>/dev/null | head -n1)
[ $rc = 0 ] && [ -n "$D3" ] && [ -f "$D3/vmcore.flat" ]; ok $? "quoted path: dump under the literal directory (exit $rc)"
[ ! -e "$T/pwned" ] && [ ! -e "$T/pwned2" ]; ok $? "quoted path: no command substitution on the remote side"

# The collector ends short (ENOSPC on its side, exit 3): the remote file keeps
# the name vmcore-incomplete; nothing is called vmcore.flat.
rm -rf "$T/dumps"; mkdir -p "$T/dumps"
FAKE_MODE=FULL "$CRASHCAP" capture -c "$T/kdump.conf" --host sshtest --no-action > "$T/out4" 2>&1
D4=$(ls -d "$T"/dumps/sshtest-* 2>/dev/null | head -n1)
[ -n "$D4" ] && [ -s "$D4/vmcore-incomplete" ] && [ ! -e "$D4/vmcore.flat" ] && [ ! -e "$D4/vmcore" ]
ok $? "incomplete stream: vmcore-incomplete kept, not renamed"
grep -q "vmcore-incomplete kept" "$T/out4"; ok $? "incomplete stream: reported"

# encrypt_to: only ciphertext crosses ssh; vmcore.enc decrypts to the source.
rm -rf "$T/dumps"; mkdir -p "$T/dumps"
if "$CRASHCAP" decrypt --genkey "$T/pub" "$T/sec" > /dev/null 2>&1; then
	printf 'ssh %s@127.0.0.1\nsshkey %s/client\npath %s/dumps\nencrypt_to %s/pub\ncore_collector makedumpfile -l -d 31\n' \
		"$USER_" "$T" "$T" "$T" > "$T/kdump5.conf"
	FAKE_REAL_CRASHCAP=$(readlink -f "$CRASHCAP") "$CRASHCAP" capture -c "$T/kdump5.conf" --host sshtest --no-action > "$T/out5" 2>&1
	rc=$?
	D5=$(ls -d "$T"/dumps/sshtest-* 2>/dev/null | head -n1)
	[ $rc = 0 ] && [ -n "$D5" ] && [ -f "$D5/vmcore.enc" ] && [ ! -e "$D5/vmcore.flat" ] && [ ! -e "$D5/vmcore-incomplete" ]
	ok $? "encrypt_to over ssh: remote vmcore.enc only (exit $rc)"
	[ -n "$D5" ] && [ "$(head -c 8 "$D5/vmcore.enc")" = CCENCDMP ]; ok $? "encrypt_to over ssh: encrypted format"
	"$CRASHCAP" decrypt --key "$T/sec" "$D5/vmcore.enc" "$T/plain5" > /dev/null 2>&1 && cmp -s "$T/plain5" "$T/vmcore"
	ok $? "encrypt_to over ssh: decrypts to the source"
else
	echo "ok $((n + 1)) # SKIP built without libsodium"; n=$((n + 1))
fi

# Unreachable server: the next target gets it; nothing reachable: failure_action.
printf 'ssh %s@127.0.0.1\nsshkey %s/client\npath %s/dumps\ndisk_timeout 0\nfailure_action poweroff\n' \
	"$USER_" "$T" "$T" > "$T/kdump2.conf"
CRASHCAP_SSH_OPTS="-p 1 -o StrictHostKeyChecking=no" "$CRASHCAP" capture -c "$T/kdump2.conf" --host sshtest --no-action > "$T/out2" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "action poweroff" "$T/out2"; ok $? "unreachable ssh target: exit 1, failure_action poweroff"
echo "1..$n"
[ $failed = 0 ]
