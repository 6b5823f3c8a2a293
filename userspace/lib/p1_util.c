// SPDX-License-Identifier: LGPL-2.1-or-later
/* p1_util.c - lookups and names around a parsed telegram. */
#include <stdio.h>
#include <string.h>

#include "p1_internal.h"

#ifndef P1_VERSION
#define P1_VERSION "0"
#endif

const char *p1_version(void)
{
	return P1_VERSION;
}

static bool field(const char **pp, uint8_t *out)
{
	const char *p = *pp;
	unsigned v = 0, n = 0;

	while ((unsigned)(*p - '0') <= 9 && n < 4) {
		v = v * 10 + (unsigned)(*p++ - '0');
		n++;
	}
	if (!n || n > 3 || v > 255)
		return false;
	*out = (uint8_t)v;
	*pp = p;
	return true;
}

static bool obis_from_string(const char *s, struct p1_obis *o)
{
	if (!field(&s, &o->a) || *s++ != '-' || !field(&s, &o->b) ||
	    *s++ != ':' || !field(&s, &o->c) || *s++ != '.' ||
	    !field(&s, &o->d) || *s++ != '.' || !field(&s, &o->e))
		return false;
	o->f = 255;
	if (*s == '*' && (s++, !field(&s, &o->f)))
		return false;
	return !*s;
}

const struct p1_object *p1_find(const struct p1_telegram *t, const char *obis)
{
	struct p1_obis want;
	size_t n;
	uint32_t i;

	if (!t || !obis)
		return NULL;
	if (obis_from_string(obis, &want)) {
		for (i = 0; i < t->nobjects && i < P1_MAX_OBJECTS; i++) {
			const struct p1_object *o = &t->objects[i];

			if ((o->flags & P1_OBJ_OBIS) &&
			    !memcmp(&o->obis, &want, sizeof(want)))
				return o;
		}
		return NULL;
	}
	n = strlen(obis);
	for (i = 0; i < t->nobjects && i < P1_MAX_OBJECTS; i++) {
		const struct p1_object *o = &t->objects[i];

		if (o->len == n && !memcmp(t->text + o->off, obis, n))
			return o;
	}
	return NULL;
}

const struct p1_mbus *p1_mbus_find(const struct p1_telegram *t, unsigned kind)
{
	const struct p1_mbus *first = NULL;
	unsigned i;

	if (!t)
		return NULL;
	for (i = 0; i < P1_MAX_MBUS; i++) {
		const struct p1_mbus *m = &t->data.mbus[i];

		if (!m->present || m->kind != kind)
			continue;
		if (!m->stale)
			return m;
		if (!first)
			first = m;
	}
	return first;
}

const char *p1_crc_name(unsigned crc)
{
	static const char *const names[] = {"none", "ok", "bad", "unchecked"};

	return crc < 4 ? names[crc] : "unchecked";
}

const char *p1_mbus_kind_name(unsigned kind)
{
	static const char *const names[] = {
		"unknown", "gas",	  "water", "heat",
		"cold",	   "electricity", "other",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind]
						       : "unknown";
}

const char *p1_family_name(unsigned family)
{
	static const char *const names[] = {
		"unknown", "dsmr", "emucs",	"smarty",
		"nordic",  "hu",   "easymeter",
	};

	return family < sizeof(names) / sizeof(names[0]) ? names[family]
							 : "unknown";
}

int p1_obis_format(const struct p1_obis *o, char *buf, size_t cap)
{
	if (o->f != 255)
		return snprintf(buf, cap, "%u-%u:%u.%u.%u*%u", o->a, o->b, o->c,
				o->d, o->e, o->f);
	return snprintf(buf, cap, "%u-%u:%u.%u.%u", o->a, o->b, o->c, o->d,
			o->e);
}
