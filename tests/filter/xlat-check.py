#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Cross-check crashcap's address translation and memory model with
libkdumpfile's (addrxlat): the struct pages of N random present pfns and a few
VMCOREINFO symbols must read the same bytes through both.
usage: xlat-check.py KM_READ DUMP [N]   (prints a summary; exit 1 on mismatch)"""
import random
import subprocess
import sys

import kdumpfile


def main(km_read, dump, n):
    k = kdumpfile.kdumpfile(dump)
    k.attr['addrxlat.ostype'] = 'linux'
    vi = k.attr['linux.vmcoreinfo.lines']
    with open(dump, 'rb') as f:
        eh = f.read(64)
    is64 = eh[4] == 2
    import struct
    if is64:
        phoff, = struct.unpack_from('<Q', eh, 32)
        phentsize, phnum = struct.unpack_from('<HH', eh, 54)
    else:
        phoff, = struct.unpack_from('<I', eh, 28)
        phentsize, phnum = struct.unpack_from('<HH', eh, 42)
    with open(dump, 'rb') as f:
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    pfns = []
    for i in range(phnum):
        e = ph[i * phentsize:(i + 1) * phentsize]
        if is64:
            t, _, _, _, pa, fs = struct.unpack_from('<IIQQQQ', e)
        else:
            t, _, _, pa, fs = struct.unpack_from('<IIIII', e)
        if t == 1 and fs >= 4096:
            pfns.append(((pa + 4095) >> 12, (pa + fs) >> 12))
    rnd = random.Random(4)
    reqs = []
    for _ in range(n):
        a, b = rnd.choice(pfns)
        reqs.append('p %x' % rnd.randrange(a, b))
    for s in ('init_uts_ns', 'prb', 'mem_section', 'swapper_pg_dir', 'node_data'):
        key = 'SYMBOL(%s)' % s
        if key in vi:
            reqs.append('v %x 40' % int(str(vi[key]), 16))
    out = subprocess.run([km_read, dump], input='\n'.join(reqs) + '\n', capture_output=True,
                         text=True, check=True).stdout.splitlines()
    same = bad = 0
    for line in out:
        f = line.split()
        if f[0] == 'p':
            va, data = int(f[2], 16), f[3]
        else:
            va, data = int(f[1], 16), f[2]
        if data == 'ERR':
            bad += 1
            print('crashcap cannot read %s' % line)
            continue
        try:
            ref = bytes(k.read(kdumpfile.KDUMP_KVADDR, va, len(data) // 2)).hex()
        except Exception as e:
            bad += 1
            print('libkdumpfile cannot read 0x%x (%s) that crashcap reads' % (va, e))
            continue
        if ref != data:
            bad += 1
            print('differ at 0x%x: %s' % (va, line))
        else:
            same += 1
    print('%d reads identical, %d bad' % (same, bad))
    return 1 if bad or not same else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2000))
