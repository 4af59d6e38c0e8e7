#!/usr/bin/python3
# info_vs_readelf.py CRASHCAP DUMP: `crashcap info --json` must agree with
# `readelf -h -l -n` (class, machine, flags, every PT_LOAD, CPU notes, and the
# VMCOREINFO fields decoded from readelf's note dump). Prints TAP lines.
import json
import re
import subprocess
import sys

crashcap, dump = sys.argv[1], sys.argv[2]
n = 0
failed = 0


def ok(cond, msg):
    global n, failed
    n += 1
    failed += not cond
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, msg))


info = json.loads(subprocess.run([crashcap, 'info', '--json', dump], stdout=subprocess.PIPE,
                                 check=False).stdout)
re_out = subprocess.run(['readelf', '-W', '-h', '-l', '-n', dump], stdout=subprocess.PIPE,
                        universal_newlines=True, check=True).stdout

cls = re.search(r'Class:\s+ELF(\d+)', re_out).group(1)
ok(info['class'] == int(cls), 'class ELF%s' % cls)
mach = re.search(r'Machine:\s+(.*)', re_out).group(1).strip()
want = {'Advanced Micro Devices X86-64': 'x86_64', 'Intel 80386': 'i386'}.get(mach, mach)
ok(info['machine'] == want, 'machine %s (%s)' % (info['machine'], mach))
flags = int(re.search(r'Flags:\s+(0x[0-9a-f]+)', re_out).group(1), 16)
ok(info['incomplete'] == bool(flags & 1), 'incomplete flag matches e_flags 0x%x' % flags)

loads = []
for m in re.finditer(r'^\s+LOAD\s+(0x\w+)\s+(0x\w+)\s+(0x\w+)\s+(0x\w+)\s+(0x\w+)', re_out, re.M):
    off, va, pa, fs, ms = (int(x, 16) for x in m.groups())
    loads.append({'offset': off, 'vaddr': va, 'paddr': pa, 'filesz': fs, 'memsz': ms})
mine = [{k: r[k] for k in ('offset', 'vaddr', 'paddr', 'filesz', 'memsz')} for r in info['ranges']]
ok(mine == loads, '%d PT_LOADs identical (offset, vaddr, paddr, filesz, memsz)' % len(loads))

cpus = len(re.findall(r'NT_PRSTATUS', re_out))
ok(info['cpus'] == cpus, '%d CPUs (NT_PRSTATUS notes)' % cpus)
ok(len(info['pids']) == cpus, 'one pid per CPU: %s' % info['pids'])

m = re.search(r'VMCOREINFO\s+0x\w+\s+.*?description data:\s+([0-9a-f ]+)', re_out)
ok(m is not None, 'readelf shows a VMCOREINFO note')
if m:
    text = bytes(int(b, 16) for b in m.group(1).split()).decode()
    vi = dict(line.split('=', 1) for line in text.splitlines() if '=' in line)
    ok(info['release'] == vi.get('OSRELEASE'), 'release %s' % info['release'])
    ok(info['page_size'] == int(vi.get('PAGESIZE', 4096)), 'page size %d' % info['page_size'])
    ok(info['crash_time'] == int(vi.get('CRASHTIME', -1)), 'crash time %d' % info['crash_time'])
print('1..%d' % n)
sys.exit(1 if failed else 0)
