#!/bin/sh
# crashcap save's output rules on a generated core: existing output, -f,
# symbolic links, option errors. Usage: save_cli.sh CRASHCAP MKCORE SPECDIR
set -u
crashcap=$1 mkcore=$2 specs=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/save-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

"$mkcore" "$specs/elf64-basic.spec" "$tmp/core" || { echo "1..0 # SKIP mkcore failed"; exit 77; }

"$crashcap" save --message-level 1 -d 0 "$tmp/core" "$tmp/out" 2>"$tmp/err"
t $? "save -d 0 of a generated core ($(head -c 200 "$tmp/err"))"
"$crashcap" verify "$tmp/out" >/dev/null 2>&1
t $? "the output verifies"

: >"$tmp/exists"
"$crashcap" save --message-level 1 -d 0 "$tmp/core" "$tmp/exists" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && grep -q 'already exists (use -f' "$tmp/err" && [ ! -s "$tmp/exists" ]
t $? "existing output refused without -f (exit $rc), left empty"

"$crashcap" save --message-level 1 -f -d 0 "$tmp/core" "$tmp/exists" 2>"$tmp/err" &&
	[ -s "$tmp/exists" ] && cmp -s "$tmp/exists" "$tmp/out"
t $? "-f overwrites a regular file with the same dump"

echo "precious" >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/link"
"$crashcap" save --message-level 1 -f -d 0 "$tmp/core" "$tmp/link" 2>"$tmp/err"
rc=$?
[ $rc != 0 ] && grep -q 'symbolic link' "$tmp/err" && [ "$(cat "$tmp/victim")" = precious ]
t $? "-f refuses a symbolic link, its target untouched (exit $rc: $(head -c 120 "$tmp/err"))"

"$crashcap" save --message-level 1 -d 0 "$tmp/core" "$tmp/link" 2>"$tmp/err"
rc=$?
[ $rc != 0 ] && [ "$(cat "$tmp/victim")" = precious ]
t $? "without -f a symbolic link is refused too (exit $rc)"

ln -s "$tmp/nowhere" "$tmp/dangling"
"$crashcap" save --message-level 1 -f -d 0 "$tmp/core" "$tmp/dangling" 2>/dev/null
rc=$?
[ $rc != 0 ] && [ ! -e "$tmp/nowhere" ]
t $? "-f does not create a file through a dangling link (exit $rc)"

"$crashcap" save --no-such-option "$tmp/core" "$tmp/x" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q 'unknown option' "$tmp/err"
t $? "unknown option: exit 2 with a clear message"

"$crashcap" save -d 32 "$tmp/core" "$tmp/x2" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && [ -s "$tmp/err" ] && [ ! -e "$tmp/x2" ]
t $? "dump level 32 refused (exit $rc: $(head -c 120 "$tmp/err"))"

# libsnappy is loaded only for -p: without it crashcap still runs, -l works,
# -p fails with a clear message (the library hidden in a private mount namespace)
snappy=$(ldconfig -p 2>/dev/null | awk '/libsnappy\.so\.1 .*x86-64/ {print $NF; exit}')
"$crashcap" save --message-level 1 -p -d 0 "$tmp/core" "$tmp/probe-p" 2>"$tmp/probe.err"
if grep -q 'not built with snappy' "$tmp/probe.err"; then
	echo "# this build has no snappy: the dlopen checks do not apply"
elif [ -n "$snappy" ] && [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	unshare -m sh -c 'mount --bind /dev/null "$1" || exit 9
		"$2" save --message-level 1 -l -d 0 "$3" "$4/nosnappy-l" || exit 10
		"$2" save --message-level 1 -p -d 0 "$3" "$4/nosnappy-p" 2>"$4/nosnappy.err"
		echo $? >"$4/nosnappy.rc"' _ "$snappy" "$crashcap" "$tmp/core" "$tmp"
	rc=$?
	t_rc=$(cat "$tmp/nosnappy.rc" 2>/dev/null)
	[ $rc = 0 ] && [ "$t_rc" = 1 ] && grep -q 'libsnappy.so.1 cannot be loaded' "$tmp/nosnappy.err" &&
		[ ! -s "$tmp/nosnappy-p" ] && "$crashcap" verify "$tmp/nosnappy-l" >/dev/null 2>&1
	t $? "libsnappy hidden: -l still works, -p exits 1 ($(head -c 150 "$tmp/nosnappy.err"))"
	"$crashcap" save --message-level 1 -p -d 0 "$tmp/core" "$tmp/snappy" &&
		"$crashcap" verify "$tmp/snappy" >/dev/null 2>&1
	t $? "with libsnappy present, -p writes a dump that verifies"
fi

echo "1..$n"
[ $failed = 0 ]
