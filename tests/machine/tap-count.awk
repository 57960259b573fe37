# SPDX-License-Identifier: GPL-2.0
# Count test results in a test-machine serial log: the job's own TAP lines
# ("ok - name"), every selftest case (nested "# ok N name" lines), and an
# executable that failed without a failing case (crash, timeout) as one
# failure. Prints "passed failed skipped".
/^# (not )?ok [0-9]+/ {
	if ($0 ~ /^# not ok/) { failed++; nfail++ }
	else if ($0 ~ /# SKIP/) skipped++
	else passed++
	next
}
/^ok - / { if ($0 ~ /# SKIP/) skipped++; else passed++; next }
/^not ok - / { failed++; next }
/^not ok [0-9]+ selftests:/ { if (nfail == 0) failed++; nfail = 0; next }
/^ok [0-9]+ selftests:/ { nfail = 0; next }
END { printf "%d %d %d\n", passed, failed, skipped }
