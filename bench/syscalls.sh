#!/bin/sh
# System calls made by one store operation: strace the benchmark running
# the operation once between two marker calls and count what lies between.
# Usage: syscalls.sh PATH/TO/store_bench
set -eu
bench=${1:?usage: syscalls.sh store_bench}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
printf '\nsystem calls per operation (1000-record pool; append on empty)\n'
printf '%-16s %5s  %s\n' op count calls
for op in append insert-new insert-existing read delete entries len; do
	strace -qq -o "$log" "$bench" --strace "$op"
	calls=$(awk '/kvp-bench-start/ {on=1; next} /kvp-bench-end/ {on=0}
		on {sub(/\(.*/, ""); print}' "$log")
	printf '%-16s %5d  %s\n' "$op" "$(echo "$calls" | grep -c .)" \
		"$(echo "$calls" | tr '\n' ' ')"
done
