// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * source.c - source specs and the table of sources.
 */
#include "source.h"

#include <p1/p1.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "meter.h"

static struct source *sources[METER_MAX];
static int nsources;

bool spec_parse(const char *text, struct spec *sp)
{
	const char *p = text, *comma;
	size_t n;

	memset(sp, 0, sizeof(*sp));
	comma = strchr(p, ',');
	n = comma ? (size_t)(comma - p) : strlen(p);
	if (n >= sizeof(sp->main))
		return false;
	memcpy(sp->main, p, n);
	while (comma) {
		const char *eq;
		size_t kn, vn;

		p = comma + 1;
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (sp->nopt == SPEC_MAX_OPTS)
			return false;
		eq = memchr(p, '=', n);
		kn = eq ? (size_t)(eq - p) : n;
		vn = eq ? n - kn - 1 : 0;
		if (!kn || kn >= sizeof(sp->opt[0].key) ||
		    vn >= sizeof(sp->opt[0].val))
			return false;
		memcpy(sp->opt[sp->nopt].key, p, kn);
		if (eq)
			memcpy(sp->opt[sp->nopt].val, eq + 1, vn);
		sp->nopt++;
	}
	return true;
}

const char *spec_get(const struct spec *sp, const char *key)
{
	for (int i = 0; i < sp->nopt; i++)
		if (!strcmp(sp->opt[i].key, key))
			return sp->opt[i].val;
	return NULL;
}

bool spec_check_keys(const struct spec *sp, const char *what,
		     const char *const *keys)
{
	for (int i = 0; i < sp->nopt; i++) {
		bool known = false;

		for (const char *const *k = keys; *k; k++)
			if (!strcmp(sp->opt[i].key, *k))
				known = true;
		if (!known) {
			log_err("%s %s: unknown option \"%s\"", what, sp->main,
				sp->opt[i].key);
			return false;
		}
	}
	return true;
}

bool spec_apply_common(const struct spec *sp, struct meter *m)
{
	const char *tz = spec_get(sp, "tz");
	int zone;

	if (!tz)
		return true;
	zone = p1_zone_from_name(tz);
	if (zone < 0) {
		log_err("%s: unknown time zone \"%s\" (Europe/Amsterdam and "
			"the other CET zones, Europe/Dublin, UTC)",
			sp->main, tz);
		return false;
	}
	m->zone = zone;
	return true;
}

bool sources_add(struct source *s)
{
	if (nsources == METER_MAX)
		return false;
	sources[nsources++] = s;
	return true;
}

void sources_start_all(void)
{
	for (int i = 0; i < nsources; i++)
		sources[i]->ops->start(sources[i]);
}

void sources_stop_all(void)
{
	for (int i = 0; i < nsources; i++)
		sources[i]->ops->stop(sources[i]);
}
