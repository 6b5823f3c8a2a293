// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * source_keys.c - the key-file=PATH and auth-key-file=PATH options of the
 * --serial, --tcp, --replay and --emulate sources (and their config-file
 * lines): the decryption key of an encrypted meter (Luxembourg Smarty,
 * Austria) and its authentication key (default: Smarty's), handed to the
 * source's libp1 reader, which authenticates and decrypts (p1/dlms.h).
 * Read when the source is created, before privileges are dropped, so the
 * files can be root-only; a key file others may read gets a warning.
 */
#include <p1/reader.h>
#include <sys/stat.h>

#include "log.h"
#include "meter.h"
#include "source.h"

static bool set_key(const struct spec *sp, struct p1_reader *rd,
		    const char *opt, const char *path)
{
	struct stat st;

	if (p1_reader_set_option(rd, opt, path) < 0) {
		log_err("%s: %s=%s: %s", sp->main, opt, path,
			p1_reader_errmsg(rd));
		return false;
	}
	if (!stat(path, &st) && (st.st_mode & 0077))
		log_warn("%s: %s=%s: readable by others (chmod 600 it)",
			 sp->main, opt, path);
	return true;
}

bool spec_apply_keys(const struct spec *sp, struct p1_reader *rd,
		     struct meter *m)
{
	const char *kf = spec_get(sp, "key-file");
	const char *af = spec_get(sp, "auth-key-file");

	if (af && !kf) {
		log_err("%s: auth-key-file= needs key-file= too", sp->main);
		return false;
	}
	if (!kf)
		return true;
	if (!set_key(sp, rd, "key-file", kf) ||
	    (af && !set_key(sp, rd, "auth-key-file", af)))
		return false;
	m->has_key = true;
	log_info("meter %s: decryption key from %s%s%s", m->name, kf,
		 af ? ", authentication key from " : "", af ? af : "");
	return true;
}
