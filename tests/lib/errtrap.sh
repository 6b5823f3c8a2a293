# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the test and packaging scripts after "set -euo pipefail": a
# command that stops the script says which one, where, and its exit status,
# instead of leaving only make's "Error 1".  (Once, from the script's own
# shell: a failure inside $(...) is reported with the line that ran it.)
set -E
trap 'p1_err=$?; [ "$BASH_SUBSHELL" != 0 ] ||
	echo "${BASH_SOURCE[0]##*/}: line $LINENO: exit $p1_err: $BASH_COMMAND" >&2' ERR
