// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_unit.c - recognise the unit after '*' in a value (enum p1_unit).
 *
 * Case does not matter ("kWh", "KWH", "kwh"), except for a leading M,
 * which is mega (MWh); a lower-case m prefix (milli) is no P1 unit.
 */
#include "p1_internal.h"

#define K1 P1K1
#define K2 P1K2
#define K3 P1K3
#define K4 P1K4
#define K5 P1K5

unsigned p1i_unit(const char *u, size_t n)
{
	uint64_t k = 0;
	bool mega = false;
	size_t i;

	if (!n)
		return P1_UNIT_NONE;
	if (u[0] == 'M' && n > 1 && u[1] != '3') {
		mega = true;
		u++;
		n--;
	}
	if (n > 5)
		return P1_UNIT_OTHER;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		k |= (uint64_t)c << (8 * i);
	}
	if (mega) {
		switch (k) {
		case K2('w', 'h'):
			return P1_UNIT_MWH;
		case K4('v', 'a', 'r', 'h'):
			return P1_UNIT_MVARH;
		case K1('w'):
			return P1_UNIT_MW;
		case K3('v', 'a', 'r'):
			return P1_UNIT_MVAR;
		case K1('j'):
			return P1_UNIT_MJ;
		default:
			return P1_UNIT_OTHER;
		}
	}
	switch (k) {
	case K2('w', 'h'):
		return P1_UNIT_WH;
	case K3('k', 'w', 'h'):
		return P1_UNIT_KWH;
	case K4('v', 'a', 'r', 'h'):
		return P1_UNIT_VARH;
	case K5('k', 'v', 'a', 'r', 'h'):
		return P1_UNIT_KVARH;
	case K1('w'):
		return P1_UNIT_W;
	case K2('k', 'w'):
		return P1_UNIT_KW;
	case K3('v', 'a', 'r'):
		return P1_UNIT_VAR;
	case K4('k', 'v', 'a', 'r'):
		return P1_UNIT_KVAR;
	case K2('v', 'a'):
		return P1_UNIT_VA;
	case K3('k', 'v', 'a'):
		return P1_UNIT_KVA;
	case K1('v'):
		return P1_UNIT_V;
	case K2('k', 'v'):
		return P1_UNIT_KV;
	case K1('a'):
		return P1_UNIT_A;
	case K1('s'):
		return P1_UNIT_S;
	case K2('h', 'z'):
		return P1_UNIT_HZ;
	case K2('m', '3'):
	case K2('m', 0xb3):	  /* Latin-1 superscript three */
	case K3('m', 0xc2, 0xb3): /* ... in UTF-8 */
		return P1_UNIT_M3;
	case K3('d', 'm', '3'):
		return P1_UNIT_DM3;
	case K1('l'):
		return P1_UNIT_L;
	case K2('g', 'j'):
		return P1_UNIT_GJ;
	default:
		return P1_UNIT_OTHER;
	}
}
