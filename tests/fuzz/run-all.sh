#!/bin/sh
# Run every fuzz target for SECONDS each (default 600) from a -Dfuzz=true
# build directory (default build-fuzz). Prints one line per target; a crash
# stops that target and leaves its input in BUILD/tests/fuzz/crash-*.
set -u
secs=${1:-600}
build=${2:-build-fuzz}
here=$(cd "$(dirname "$0")" && pwd)
cd "$build/tests/fuzz" || exit 1
status=0
for t in elfcore kdump flat vmcoreinfo kdumpconf sysconfig crashkernel diskdump; do
	case $t in
	elfcore) corp=seeds/elf ;;
	kdump|flat|diskdump) corp=seeds/$t ;;
	*) corp=$here/corpus/$t ;;
	esac
	mkdir -p work/$t
	start=$(date +%s)
	if ./fuzz_$t work/$t $corp -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 >work/$t.log 2>&1; then
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
