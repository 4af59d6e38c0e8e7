#!/usr/bin/python3
# kdf_compare.py ECREAD DUMP [N] [SEED]: read N random pages through libelfcore
# (ecread pages) and through libkdumpfile; they must agree byte for byte, and on
# which pages are absent. Prints TAP lines; exit 1 on any disagreement.
# KDF_REF=FILE: give libkdumpfile FILE instead (e.g. the reassembled form of a
# flattened DUMP, which libkdumpfile 0.5 cannot open).
import os
import random
import subprocess
import sys

import kdumpfile

ecread, dump = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1



def kdf_open():
    k = kdumpfile.kdumpfile(os.environ.get('KDF_REF') or dump)
    k.attr['addrxlat.ostype'] = 'linux'
    return k


k = kdf_open()
ps = int(k.attr['arch.page_size'])
maxpfn = int(k.attr['max_pfn'])
rng = random.Random(seed)
pfns = [rng.randrange(maxpfn + 16) for _ in range(n)]

out = subprocess.run([ecread, 'pages', dump], input=''.join('%d\n' % p for p in pfns).encode(),
                     stdout=subprocess.PIPE, check=True).stdout
pos = 0
bad = data = absent = 0
for i, pfn in enumerate(pfns):
    # python3-libkdumpfile 0.5.1 crashes in its page cache after a few
    # thousand reads of a large kdump file: start afresh now and then
    if i and i % 500 == 0:
        del k
        k = kdf_open()
    tag = out[pos:pos + 1]
    pos += 1
    mine = None
    if tag == b'D':
        mine = out[pos:pos + ps]
        pos += ps
    elif tag == b'E':
        end = out.index(b'\n', pos)
        mine = 'error ' + out[pos:end].decode()
        pos = end + 1
    try:
        theirs = bytes(k.read(kdumpfile.KDUMP_KPHYSADDR, pfn * ps, ps))
    except (kdumpfile.exceptions.NoDataException, kdumpfile.exceptions.AddressTranslationException) as e:
        theirs = None
    except Exception as e:  # corrupt etc.
        theirs = 'error %s' % e
    if isinstance(mine, bytes) and isinstance(theirs, bytes):
        same = mine == theirs
        data += same
    else:
        same = mine is None and theirs is None
        absent += same
    if not same:
        bad += 1
        if bad <= 5:
            print('# pfn 0x%x: libelfcore %s, libkdumpfile %s' % (
                pfn, 'data' if isinstance(mine, bytes) else mine,
                'data' if isinstance(theirs, bytes) else theirs))
print('%s 1 - %s: %d random pages agree with libkdumpfile (%d with data, %d absent in both), %d differ' % (
    'ok' if bad == 0 else 'not ok', dump, n, data, absent, bad))
sys.exit(1 if bad else 0)
