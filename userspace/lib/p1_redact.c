// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_redact.c - which OBIS codes identify a meter or a household, and
 * masking them in a parsed telegram.
 *
 * Identifiers by family (the corpus has one telegram of each):
 *   DSMR, IE, AT, HU, Nordic  0-0:96.1.1 / 96.1.0, M-Bus 0-n:96.1.0 / 96.1.1
 *   BE eMUCs                  0-0:96.1.1, M-Bus 0-n:96.1.1 (0-0:96.1.4 is
 *                             the eMUCs version, not an identifier)
 *   LU Smarty                 0-0:42.0.0 (COSEM logical device name),
 *                             0-n:96.1.0
 *   EasyMeter Q3D             1-0:0.0.0 (device id), 0-0:96.1.255
 * In general: every x-y:96.1.e (identification numbers, e 0-9 and 255),
 * every x-y:0.0.e (device identifiers) and x-y:42.0.0.  Some meters also
 * put their serial number in the identification line (Kamstrup's
 * "/KMP5 KA6U001234567812"): it is masked there too.
 */
#include <string.h>

#include "p1_internal.h"

bool p1_obis_is_identifier(const struct p1_obis *o, unsigned family)
{
	if (o->c == 96 && o->d == 1)
		return o->e == 255 ||
		       (o->e <= 9 && !(o->e == 4 && family == P1_FAMILY_EMUCS));
	if (o->c == 0 && o->d == 0)
		return o->e <= 9 || o->e == 255;
	return o->c == 42 && o->d == 0 && o->e == 0;
}

/* Mask every copy of the meter's id (decoded) in the header. */
static unsigned mask_header(struct p1_telegram *t, const char *id)
{
	char *h = t->text + t->header_off;
	size_t hl = t->header_len, n;
	unsigned masked = 0;

	while (*id == ' ')
		id++;
	n = strlen(id);
	while (n && id[n - 1] == ' ')
		n--;
	if (n < 6 || t->header_off + hl > t->len)
		return 0;
	for (size_t i = 0; i + n <= hl; i++) {
		if (memcmp(h + i, id, n))
			continue;
		memset(h + i, 'x', n);
		masked++;
		i += n - 1;
	}
	return masked;
}

unsigned p1_redact_ids(struct p1_telegram *t)
{
	unsigned masked = 0;

	if (t->data.equipment_id_present)
		masked += mask_header(t, t->data.equipment_id);
	t->data.equipment_id[0] = '\0';
	t->data.equipment_id_present = false;
	for (int i = 0; i < P1_MAX_MBUS; i++) {
		t->data.mbus[i].id[0] = '\0';
		t->data.mbus[i].id_present = false;
	}
	for (uint32_t i = 0; i < t->nobjects && i < P1_MAX_OBJECTS; i++) {
		const struct p1_object *o = &t->objects[i];

		if (!(o->flags & P1_OBJ_OBIS) ||
		    !p1_obis_is_identifier(&o->obis, t->data.family))
			continue;
		for (unsigned j = 0; j < o->nvalues; j++) {
			struct p1_value *v;

			if ((unsigned)o->first + j >= P1_MAX_VALUES)
				break;
			v = &t->values[o->first + j];
			if ((size_t)v->off + v->len <= t->len)
				memset(t->text + v->off, 'x', v->len);
			v->flags &= (uint8_t)~P1_VAL_NUMBER;
			v->number = 0;
			masked++;
		}
	}
	return masked;
}
