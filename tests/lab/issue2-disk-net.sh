#!/bin/sh
# crashlab --disk (extra raw disks, preloaded from an image, returned after the
# run) and --net (user-mode network to this machine's loopback only), both
# used from the capture kernel.
. "$(dirname "$0")/lib.sh"
lab_skip_unless_possible

tmp=$(mktemp -d)
trap 'kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
# a preloaded disk: 1 MiB of a known pattern
python3 -c 'import sys; sys.stdout.buffer.write(b"crashlab-disk-seed\n" * 55188)' > "$tmp/seed.img"
echo "hello from the host" > "$tmp/hello.txt"
python3 -m http.server --bind 127.0.0.1 0 --directory "$tmp" > "$tmp/http.log" 2>&1 &
srv=$!
port=
i=0
while [ -z "$port" ] && [ $i -lt 50 ]; do
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/http.log" | head -n 1)
	sleep 0.2
	i=$((i + 1))
done
t_check "host http server on loopback (port $port)" test -n "$port"

out=$(lab_vmcore disknet --force --ram 512M --anon 0 --pagecache 0 --tmpfs 0 --thp 0 \
	--hugetlb 0 --net --disk "raw:8M" --disk "seeded:2M:$tmp/seed.img" \
	--capture-cmd 'dd if=/proc/vmcore of=$CL_DISK_raw bs=4096 count=16 2>/dev/null &&
		head -c 19 $CL_DISK_seeded > $CL_OUT/seed-head &&
		wget -q -O $CL_OUT/hello.txt http://$CL_HOST:'"$port"'/hello.txt') ||
	t_bail "crashlab capture --name disknet"
t_check "raw disk came back at its size" test "$(stat -c %s "$out/raw.img")" = 8388608
t_check "raw disk holds the ELF header the guest wrote" \
	sh -c 'head -c 4 "$1/raw.img" | od -c | grep -q "177   E   L   F"' _ "$out"
t_check "seeded disk was grown to 2M" test "$(stat -c %s "$out/seeded.img")" = 2097152
t_check "the guest saw the seeded disk's content" grep -qx crashlab-disk-seed "$out/seed-head"
t_check "the capture kernel fetched a file from this machine" \
	grep -qx "hello from the host" "$out/hello.txt"
t_done
