#!/bin/sh
# Run every fuzz target for SECONDS each (default 600) from a -Dfuzz=true
# build directory (default build-fuzz). Prints one line per target; a crash
# stops that target and leaves its input in BUILD/tests/fuzz/crash-*.
# Seeds from the lab's real vmcores are used when present: run
# tests/fuzz/lab-seeds.py BUILD/tests/fuzz/labseeds first.
# usage: run-all.sh [SECONDS] [BUILD] [TARGET...]
set -u
secs=${1:-600}
build=${2:-build-fuzz}
here=$(cd "$(dirname "$0")" && pwd)
cd "$build/tests/fuzz" || exit 1
status=0
if [ $# -ge 2 ]; then shift 2; else shift $#; fi
targets=${*:-elfcore kdump flat vmcoreinfo kdumpconf sysconfig crashkernel diskdump fadump crypt}
for t in $targets; do
	case $t in
	elfcore) corp="seeds/elf $(ls -d labseeds/elf 2>/dev/null)" ;;
	kdump) corp="seeds/kdump $(ls -d labseeds/kdump 2>/dev/null)" ;;
	flat|diskdump|crypt) corp=seeds/$t ;;
	fadump) corp="seeds/elf $here/corpus/fadump" ;;
	*) corp=$here/corpus/$t ;;
	esac
	mkdir -p work/$t
	start=$(date +%s)
	# shellcheck disable=SC2086 # corp is a list of directories
	if ./fuzz_$t work/$t $corp -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -max_len=131072 -print_final_stats=1 >work/$t.log 2>&1; then
		res=ok
	else
		res=CRASH
		status=1
	fi
	end=$(date +%s)
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' work/$t.log | grep -o '[0-9]*$')
	echo "$t: $res after $((end - start)) s, ${execs:-?} executions"
done
exit $status
