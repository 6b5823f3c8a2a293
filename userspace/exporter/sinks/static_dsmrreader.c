// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * static_dsmrreader.c - the DSMR-reader push in the static exporter (the
 * busybox qemu guests): Debian's libcurl.a needs libraries that come
 * without a static archive (GSSAPI, LDAP), so the static build has no
 * push and says so when asked for it.
 */
#include "log.h"
#include "options.h"
#include "sink.h"

bool dsmrreader_check(void)
{
	return dsmrreader_setup();
}

bool dsmrreader_setup(void)
{
	if (!cfg.dr_url || !*cfg.dr_url)
		return true;
	log_err("dsmrreader: this p1-exporter was built without libcurl "
		"(static build): --dsmrreader.url is not available");
	return false;
}
