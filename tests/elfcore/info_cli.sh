#!/bin/sh
# crashcap info on generated cores: human and --json output, errors, truncation.
# Usage: info_cli.sh CRASHCAP MKCORE SPECDIR
set -u
crashcap=$1 mkcore=$2 specs=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ec-info.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
jq_py() { # FILE PYTHON-EXPR (j = parsed json)
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}

for s in elf64-basic kdump-zlib flat-kdump elf32-i386 kdump-incomplete; do
	"$mkcore" "$specs/$s.spec" "$tmp/$s" || t 1 "mkcore $s"
	"$crashcap" info --json "$tmp/$s" >"$tmp/$s.json"
	t $? "$s: info --json exits 0"
	"$crashcap" info "$tmp/$s" >"$tmp/$s.txt"
	t $? "$s: info exits 0"
done
jq_py "$tmp/elf64-basic.json" "j['format']=='elf' and not j['flattened'] and j['class']==64 and j['machine']=='x86_64' and j['cpus']==2 and j['pids']==[101,202] and j['release']=='6.1.0-test' and j['page_size']==4096 and j['crash_time']==1700000000 and j['crash_time_utc']=='2023-11-14 22:13:20 UTC' and len(j['ranges'])==4 and j['pages_present']==769 and j['memory_bytes']==0x300000+0x3000+0x1000 and not j['incomplete'] and j['ranges'][1]=={'paddr':0x100000,'vaddr':0xffff888000100000,'offset':j['ranges'][1]['offset'],'filesz':0x300000,'memsz':0x300000}"
t $? "elf64-basic: JSON fields"
jq_py "$tmp/kdump-zlib.json" "j['format']=='kdump-compressed' and j['pages_present']==287 and j['kdump']['header_version']==6 and j['kdump']['status']==1 and len(j['ranges'])==2 and j['ranges'][0]['paddr']==0x100000 and j['ranges'][0]['memsz']==0x100000"
t $? "kdump-zlib: JSON fields (ranges from the 1st bitmap)"
jq_py "$tmp/flat-kdump.json" "j['flattened'] and j['format']=='kdump-compressed' and j['release']=='6.1.0-flat'"
t $? "flat-kdump: flattened kdump-compressed"
jq_py "$tmp/elf32-i386.json" "j['class']==32 and j['machine']=='i386' and j['pids']==[1,2,3]"
t $? "elf32-i386: class 32, i386, pids"
jq_py "$tmp/kdump-incomplete.json" "j['incomplete'] and j['pages_present']==54"
t $? "kdump-incomplete: incomplete, lost pages not counted"
grep -q '^kernel: *6.1.0-test$' "$tmp/elf64-basic.txt" && grep -q '^CPUs: *2 (pids 101 202)$' "$tmp/elf64-basic.txt" &&
	grep -q '^crash time: *2023-11-14 22:13:20 UTC$' "$tmp/elf64-basic.txt" && grep -q '^pages present: *769' "$tmp/elf64-basic.txt"
t $? "elf64-basic: human-readable fields"
grep -q '^incomplete: *yes' "$tmp/kdump-incomplete.txt"
t $? "kdump-incomplete: human output says incomplete"

head -c 70000 "$tmp/elf64-basic" >"$tmp/cut"
"$crashcap" info --json "$tmp/cut" >"$tmp/cut.json" 2>"$tmp/cut.err"
t $? "truncated ELF is still described"
grep -q "warning: $tmp/cut: truncated" "$tmp/cut.err" && jq_py "$tmp/cut.json" "j['truncated']"
t $? "truncated ELF: warning names the file, JSON says truncated"
printf 'garbage' >"$tmp/junk"
"$crashcap" info "$tmp/junk" 2>"$tmp/junk.err"
[ $? = 1 ] && grep -q "$tmp/junk: not a crash dump" "$tmp/junk.err"
t $? "non-dump: exit 1 and a message naming the file"
"$crashcap" info >/dev/null 2>&1
[ $? = 2 ]
t $? "no argument: usage error"
echo "1..$n"
[ "$failed" = 0 ]
