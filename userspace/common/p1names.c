// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * p1names.c - text names of counters, telegram status and CRC policy.
 */
#include "p1names.h"

#include <stddef.h>

static const char *const stat_names[__P1_STAT_MAX] = {
	[P1_STAT_TELEGRAMS] = "telegrams",
	[P1_STAT_CRC_ERRORS] = "crc_errors",
	[P1_STAT_CRC_MISSING] = "crc_missing",
	[P1_STAT_LINE_ERRORS] = "line_errors",
	[P1_STAT_TRUNCATED] = "truncated",
	[P1_STAT_OVERSIZE] = "oversize",
	[P1_STAT_RECOVERED] = "recovered",
	[P1_STAT_GARBAGE_BYTES] = "garbage_bytes",
	[P1_STAT_RX_BYTES] = "rx_bytes",
	[P1_STAT_PARITY_ERRORS] = "parity_errors",
	[P1_STAT_FRAME_ERRORS] = "frame_errors",
	[P1_STAT_OVERRUNS] = "overruns",
	[P1_STAT_BREAKS] = "breaks",
	[P1_STAT_READER_OVERRUNS] = "reader_overruns",
	[P1_STAT_DROPPED] = "dropped",
	[P1_STAT_ENCRYPTED] = "encrypted",
	[P1_STAT_ENCRYPTED_NO_KEY] = "encrypted_no_key",
	[P1_STAT_ENCRYPTED_DECRYPTED] = "encrypted_decrypted",
	[P1_STAT_ENCRYPTED_AUTH_FAILED] = "encrypted_auth_failed",
	[P1_STAT_ENCRYPTED_REPLAYS] = "encrypted_replays",
	[P1_STAT_EVENTS_LOST] = "events_lost",
};

static const char *const status_names[] = {
	[P1_STATUS_OK] = "ok",
	[P1_STATUS_NO_CRC] = "no_crc",
	[P1_STATUS_UNCHECKED] = "unchecked",
	[P1_STATUS_CRC_ERROR] = "crc_error",
	[P1_STATUS_CRC_MISSING] = "crc_missing",
	[P1_STATUS_LINE_ERROR] = "line_error",
	[P1_STATUS_ENCRYPTED] = "encrypted",
};

static const char *const crc_mode_names[] = {
	[P1_CRC_AUTO] = "auto",
	[P1_CRC_REQUIRE] = "require",
	[P1_CRC_IGNORE] = "ignore",
};

const char *p1_stat_name(int stat)
{
	if (stat < 0 || stat >= __P1_STAT_MAX)
		return NULL;
	return stat_names[stat];
}

const char *p1_status_name(unsigned int status)
{
	if (status >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[status];
}

const char *p1_crc_mode_name(unsigned int mode)
{
	if (mode >= sizeof(crc_mode_names) / sizeof(crc_mode_names[0]))
		return "unknown";
	return crc_mode_names[mode];
}
