/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p1/p1.h - libp1: parse P1 smart-meter telegrams (NL DSMR 2.2-5.0.2,
 * BE eMUCs, LU Smarty plaintext, SE/NO/AT/HU/IE variants, EasyMeter Q3D).
 *
 * One call, p1_parse(), turns one telegram into a caller-owned
 * struct p1_telegram: no heap allocation, no shared state (only
 * per-thread caches of timestamp conversions and of the last meter's
 * OBIS codes, which never change a result), thread-safe as long as each
 * thread uses its own result.  The result holds
 *
 *  - a byte copy of the telegram (t->text), so it stays valid when the
 *    input buffer goes away and can be copied with memcpy;
 *  - the CRC verdict, computed with the framer's p1_crc16() (the code the
 *    kernel uses), or taken from the caller when the kernel already
 *    checked it (P1_PARSE_CRC_GIVEN);
 *  - every COSEM object in order (t->objects, t->values): its OBIS code
 *    and all its parenthesised values, each with its raw text and, where
 *    it applies, a number, a unit and a UTC timestamp.  Unknown codes are
 *    kept.  A DSMR 2.2 value on the next line is appended to the object
 *    above it (flag P1_VAL_NEXT_LINE);
 *  - typed views (t->data) with a "present" flag per field, in the base
 *    units documented below.
 *
 * Units of the typed views (numbers are double):
 *   active energy Wh, reactive energy varh, power W, reactive power var,
 *   voltage V, current A, durations s, frequency Hz; M-Bus readings are
 *   kept as sent (value + unit string) and also normalised into
 *   volume_m3 (m3) or energy_wh (Wh; GJ and kWh converted).
 * Times are Unix seconds (UTC), converted with the meter's zone
 * (enum p1_zone): the S/W flag of a timestamp picks summer/winter time,
 * unflagged DSMR 2.2/3.0 timestamps follow the zone's EU DST rules.
 *
 * Bounds: input beyond P1_MAX_TELEGRAM bytes, objects beyond
 * P1_MAX_OBJECTS and values beyond P1_MAX_VALUES are not kept; each such
 * event sets a bit in t->anomalies.  Nothing in the input can make the
 * parser crash, loop or read out of bounds (fuzzed).
 */
#ifndef P1_P1_H
#define P1_P1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of struct p1_telegram (part of the ABI). */
#define P1_MAX_TELEGRAM 16384 /* bytes of telegram text kept */
#define P1_MAX_OBJECTS	256   /* COSEM objects (lines) kept */
#define P1_MAX_VALUES	1024  /* parenthesised values kept, all objects */
#define P1_MAX_TARIFFS	4     /* tariffs 1..4 (NL/BE 2, HU 4) */
#define P1_MAX_PHASES	3
#define P1_MAX_MBUS	4    /* M-Bus channels 0-1: .. 0-4: */
#define P1_MAX_FAILURES 16   /* power failure log entries (spec: 10) */
#define P1_MAX_PEAKS	16   /* monthly peaks of 0-0:98.1.0 (spec: 13) */
#define P1_MAX_ID	64   /* decoded identifiers, NUL included */
#define P1_MAX_TEXT	1025 /* decoded text message, NUL included */
#define P1_MAX_VERSION	16

/* CRC verdict (t->crc). */
enum p1_crc {
	P1_CRC_NONE = 0,      /* the telegram carries no CRC ('!' alone) */
	P1_CRC_OK = 1,	      /* CRC present and correct */
	P1_CRC_BAD = 2,	      /* CRC present and wrong */
	P1_CRC_UNCHECKED = 3, /* no end line found: nothing to check */
};

/* Time zone rules of a meter (enum values are stable). */
enum p1_zone {
	P1_ZONE_AMSTERDAM = 0, /* CET/CEST: S = UTC+2, W = UTC+1. NL, BE, LU,
				  SE, NO, AT, HU and the rest of CET */
	P1_ZONE_DUBLIN = 1,    /* GMT/IST: S = UTC+1, W = UTC (Ireland) */
	P1_ZONE_UTC = 2,       /* meter clock in UTC; S/W flags ignored */
};

/* Meter family, a best guess from the header and the objects. */
enum p1_family {
	P1_FAMILY_UNKNOWN = 0,
	P1_FAMILY_DSMR = 1,   /* NL DSMR (and IE, which follows DSMR 5) */
	P1_FAMILY_EMUCS = 2,  /* BE Fluvius eMUCs (0-0:96.1.4) */
	P1_FAMILY_SMARTY = 3, /* LU Smarty (0-0:42.0.0) */
	P1_FAMILY_NORDIC = 4, /* SE/NO/AT style: no version, reactive energy */
	P1_FAMILY_HU = 5,     /* HU: 4 tariffs or quadrant energies */
	P1_FAMILY_EASYMETER = 6, /* EasyMeter Q3D (*255 suffixes, W/Wh) */
};

/* t->anomalies: what was odd about the input (never fatal). */
#define P1_ANOM_NO_HEADER    (1u << 0)	/* no '/' found: nothing parsed */
#define P1_ANOM_NO_END	     (1u << 1)	/* no '!' line: truncated */
#define P1_ANOM_OVERSIZE     (1u << 2)	/* input cut at P1_MAX_TELEGRAM */
#define P1_ANOM_OBJECTS	     (1u << 3)	/* more than P1_MAX_OBJECTS */
#define P1_ANOM_VALUES	     (1u << 4)	/* more than P1_MAX_VALUES */
#define P1_ANOM_BAD_LINE     (1u << 5)	/* a line that is no object */
#define P1_ANOM_BAD_OBIS     (1u << 6)	/* an object whose code is no OBIS */
#define P1_ANOM_UNTERMINATED (1u << 7)	/* a '(' without ')' on its line */
#define P1_ANOM_BAD_TIME     (1u << 8)	/* an invalid timestamp */
#define P1_ANOM_BAD_TRAILER  (1u << 9)	/* junk after '!' and the CRC */
#define P1_ANOM_GARBAGE	     (1u << 10) /* bytes before the '/' */

/* An OBIS code A-B:C.D.E*F; f is 255 when no *F suffix was sent. */
struct p1_obis {
	uint8_t a, b, c, d, e, f;
};

#define P1_OBJ_OBIS	 (1u << 0) /* the code parsed as A-B:C.D.E[*F] */
#define P1_OBJ_TRUNCATED (1u << 1) /* some of its values were not kept */
#define P1_OBJ_SUFFIX	 (1u << 2) /* the code was sent with a "*F" suffix */

/* One COSEM object (one line, plus continuation lines). */
struct p1_object {
	struct p1_obis obis; /* valid if flags & P1_OBJ_OBIS */
	uint16_t flags;	     /* P1_OBJ_* */
	uint32_t off;	     /* code text: t->text + off, len bytes */
	uint16_t len;
	uint16_t first;	  /* its values: t->values[first .. first+nvalues) */
	uint16_t nvalues; /* values kept */
};

#define P1_VAL_NUMBER	    (1u << 0) /* number is set */
#define P1_VAL_UNIT	    (1u << 1) /* raw ends with "*unit" */
#define P1_VAL_TIME	    (1u << 2) /* time is set (valid timestamp) */
#define P1_VAL_TIME_BAD	    (1u << 3) /* looks like a timestamp, invalid */
#define P1_VAL_NEXT_LINE    (1u << 4) /* came on a continuation line */
#define P1_VAL_UNTERMINATED (1u << 5) /* no ')' before the line end */
#define P1_VAL_DST	    (1u << 6) /* timestamp flagged S (summer) */

/*
 * One parenthesised value.  raw = t->text + off (len bytes, not
 * NUL-terminated) is the text between the parentheses.  If flags has
 * P1_VAL_UNIT, the last unit_len bytes of raw are the unit (after '*').
 * A number is "[+-]digits[.digits]" (before any "*unit"); a timestamp is
 * "YYMMDDhhmmss" + S/W (unflagged ones only where the OBIS code calls for
 * a timestamp, e.g. DSMR 2.2 24.3.0).  Timestamps of year 2000
 * (000101000000W and the like: unset meter clocks) count as invalid.
 */
struct p1_value {
	double number;	  /* if P1_VAL_NUMBER */
	int64_t time;	  /* if P1_VAL_TIME: Unix seconds, UTC */
	uint16_t off;	  /* raw text: t->text + off ... */
	uint16_t len;	  /* ... len bytes */
	uint8_t unit_len; /* if P1_VAL_UNIT: the unit is raw's last bytes */
	uint8_t decimals; /* digits after the '.' of number (as sent) */
	uint8_t flags;	  /* P1_VAL_* */
	uint8_t unit;	  /* enum p1_unit of the unit, if P1_VAL_UNIT */
};

/*
 * Units recognised in values (case-insensitive, but M is mega; m3, m\xb3
 * and UTF-8 m\xc2\xb3 are cubic metres).  Anything else is P1_UNIT_OTHER.
 */
enum p1_unit {
	P1_UNIT_NONE = 0,
	P1_UNIT_OTHER,
	P1_UNIT_WH,
	P1_UNIT_KWH,
	P1_UNIT_MWH,
	P1_UNIT_VARH,
	P1_UNIT_KVARH,
	P1_UNIT_MVARH,
	P1_UNIT_W,
	P1_UNIT_KW,
	P1_UNIT_MW,
	P1_UNIT_VAR,
	P1_UNIT_KVAR,
	P1_UNIT_MVAR,
	P1_UNIT_VA,
	P1_UNIT_KVA,
	P1_UNIT_V,
	P1_UNIT_KV,
	P1_UNIT_A,
	P1_UNIT_S,
	P1_UNIT_HZ,
	P1_UNIT_M3,
	P1_UNIT_DM3,
	P1_UNIT_L,
	P1_UNIT_GJ,
	P1_UNIT_MJ,
	P1_UNIT_COUNT
};

/* A typed number: value in the unit documented at its field. */
struct p1_num {
	double value;
	bool present;
};

/* A typed timestamp: present = sent, valid = converted into t. */
struct p1_time {
	int64_t t; /* Unix seconds, UTC */
	bool present;
	bool valid;
};

/* Per phase (index 0..2 = L1..L3). */
struct p1_phase {
	struct p1_num voltage;	       /* V    1-0:32.7.0 52.7.0 72.7.0 */
	struct p1_num current;	       /* A    31.7.0 51.7.0 71.7.0 */
	struct p1_num power_import;    /* W    21.7.0 41.7.0 61.7.0 */
	struct p1_num power_export;    /* W    22.7.0 42.7.0 62.7.0 */
	struct p1_num reactive_import; /* var  23.7.0 43.7.0 63.7.0 */
	struct p1_num reactive_export; /* var  24.7.0 44.7.0 64.7.0 */
	struct p1_num energy_import;   /* Wh   21.8.0 41.8.0 61.8.0 */
	struct p1_num energy_export;   /* Wh   22.8.0 42.8.0 62.8.0 */
	struct p1_num power_factor;    /*      33.7.0 53.7.0 73.7.0 */
	struct p1_num voltage_sags;    /* count 32.32.0 52.32.0 72.32.0 */
	struct p1_num voltage_swells;  /* count 32.36.0 52.36.0 72.36.0 */
};

/* One entry of the long power failure log 1-0:99.97.0. */
struct p1_failure {
	struct p1_time end;	  /* when the failure ended */
	struct p1_num duration_s; /* s */
};

/* A Belgian capacity-tariff peak (1-0:1.6.0 or one month of 0-0:98.1.0). */
struct p1_peak {
	struct p1_time month; /* start of the month it belongs to (98.1.0) */
	struct p1_time time;  /* when the peak quarter-hour was measured */
	struct p1_num power;  /* W */
};

enum p1_mbus_kind {
	P1_MBUS_UNKNOWN = 0,
	P1_MBUS_GAS = 1,	 /* device type 3 */
	P1_MBUS_WATER = 2,	 /* 6, 7, 21, 22 */
	P1_MBUS_HEAT = 3,	 /* 4, 12, 13 (heat or heat/cold) */
	P1_MBUS_COLD = 4,	 /* 10, 11 */
	P1_MBUS_ELECTRICITY = 5, /* 2: slave electricity meter */
	P1_MBUS_OTHER = 6,	 /* any other device type */
};

/* M-Bus channel n is t->data.mbus[n - 1]. */
struct p1_mbus {
	bool present;		 /* some 0-n: object was sent */
	bool stale;		 /* empty id, or no valid capture time */
	uint8_t kind;		 /* enum p1_mbus_kind, from type (or unit) */
	struct p1_num type;	 /* 0-n:24.1.0 device type as sent */
	struct p1_num valve;	 /* 0-n:24.4.0 valve / switch position */
	struct p1_num reading;	 /* last reading, as sent, unit below */
	struct p1_num volume_m3; /* reading if it is a volume (m3, dm3, l) */
	struct p1_num energy_wh; /* reading if it is energy (Wh, kWh, MWh,
				    GJ, MJ) */
	struct p1_time time;	 /* capture time of the reading */
	char unit[8];		 /* unit of reading as sent, e.g. "m3" */
	bool id_present;
	uint16_t reading_obis; /* where the reading came from: 2421
				  (24.2.1), 2423 (24.2.3), 2430 (24.3.0) */
	char id[P1_MAX_ID];    /* 0-n:96.1.0 / 96.1.1, hex decoded */
};

/* Electricity (the main meter). */
struct p1_elec {
	/* [0] = total (x.8.0) when sent, [1..4] = tariff 1..4 (x.8.1..) */
	struct p1_num energy_import[P1_MAX_TARIFFS + 1];   /* Wh 1-0:1.8.x */
	struct p1_num energy_export[P1_MAX_TARIFFS + 1];   /* Wh 1-0:2.8.x */
	struct p1_num reactive_import[P1_MAX_TARIFFS + 1]; /* varh 3.8.x */
	struct p1_num reactive_export[P1_MAX_TARIFFS + 1]; /* varh 4.8.x */
	struct p1_num reactive_quadrant[4];  /* varh 5.8.0 .. 8.8.0 (QI-QIV) */
	struct p1_num power_import;	     /* W 1-0:1.7.0 */
	struct p1_num power_export;	     /* W 1-0:2.7.0 */
	struct p1_num reactive_power_import; /* var 1-0:3.7.0 */
	struct p1_num reactive_power_export; /* var 1-0:4.7.0 */
	struct p1_num power_factor;	     /* 1-0:13.7.0 */
	struct p1_num frequency;	     /* Hz 1-0:14.7.0 */
	struct p1_phase phase[P1_MAX_PHASES];
	struct p1_num tariff;	       /* 0-0:96.14.0 as sent (BE: 1 = day) */
	struct p1_num failures;	       /* 0-0:96.7.21 */
	struct p1_num long_failures;   /* 0-0:96.7.9 */
	bool failure_log_present;      /* 1-0:99.97.0 */
	uint16_t failure_log_count;    /* entries announced */
	uint16_t nfailure_log;	       /* entries kept in failure_log[] */
	struct p1_num limiter_power;   /* W 0-0:17.0.0 sent in kW */
	struct p1_num limiter_current; /* A 0-0:17.0.0 sent in A (DSMR 2.2) */
	struct p1_num fuse;	       /* A 1-0:31.4.0 */
	struct p1_num breaker;	       /* 0-0:96.3.10 switch position */
	/* Belgian capacity tariff */
	struct p1_num demand;	   /* W 1-0:1.4.0 current 15-min avg */
	struct p1_peak month_peak; /* 1-0:1.6.0 this month's peak */
	bool peaks_present;	   /* 0-0:98.1.0 */
	uint16_t peaks_count;	   /* months announced */
	uint16_t npeaks;	   /* months kept in peaks[] */
	/* 0-0:96.13.0 text message (hex decoded in DSMR >= 4) */
	bool text_present;
	uint16_t text_len;
	bool text_code_present;
	/*
	 * Arrays last: p1_parse() clears only what it uses of them (entries
	 * beyond nfailure_log / npeaks and bytes after a string's NUL are
	 * unspecified).
	 */
	struct p1_failure failure_log[P1_MAX_FAILURES];
	struct p1_peak peaks[P1_MAX_PEAKS];
	char text[P1_MAX_TEXT];	   /* NUL terminated; may hold any byte */
	char text_code[P1_MAX_ID]; /* 0-0:96.13.1, hex decoded */
};

/* The typed view of a telegram. */
struct p1_data {
	uint8_t family; /* enum p1_family */
	uint8_t dsmr;	/* DSMR version x10: 40, 42, 50 (1-3:0.2.8);
			   without a version line 30 (DSMR 3.0: gas read
			   on the 24.3.0 line itself) or 22 (2.2, or a 3.0
			   meter that cannot be told apart); eMUCs: the
			   DSMR base, 50; 0 if unknown */
	bool equipment_id_present;
	struct p1_time time; /* 0-0:1.0.0 meter clock */
	struct p1_elec elec;
	struct p1_mbus mbus[P1_MAX_MBUS];
	char version[P1_MAX_VERSION]; /* 1-3:0.2.8 or 0-0:96.1.4 as sent */
	char equipment_id[P1_MAX_ID]; /* 0-0:96.1.1 (or 96.1.0), decoded */
};

/* The result of p1_parse(); the caller owns it (≈ 50 KiB, no pointers). */
struct p1_telegram {
	uint8_t crc;	     /* enum p1_crc */
	bool has_crc;	     /* CRC digits were sent */
	uint16_t crc_rx;     /* CRC as sent */
	uint16_t crc_calc;   /* CRC computed (if computed) */
	uint32_t anomalies;  /* P1_ANOM_* */
	uint32_t bad_lines;  /* lines that were neither object nor value */
	uint32_t bad_times;  /* invalid timestamps */
	uint32_t header_off; /* identification (after '/', before the line */
	uint32_t header_len; /* end): t->text + header_off, header_len bytes */
	uint32_t len;	     /* bytes in text (the telegram, '/' to the end) */
	uint32_t nobjects;
	uint32_t nvalues;
	struct p1_data data;
	struct p1_object objects[P1_MAX_OBJECTS];
	struct p1_value values[P1_MAX_VALUES];
	/* the telegram, NUL terminated (and 15 more NULs for the parser) */
	char text[P1_MAX_TELEGRAM + 16];
};

/* Options of p1_parse(); NULL means all defaults (zero). */
#define P1_PARSE_CRC_GIVEN (1u << 0) /* don't compute the CRC: use .crc */
/*
 * P1_PARSE_REUSE: @out holds the result of the previous p1_parse() into it
 * (or is all zero), made with the same opts->zone, and the caller has not
 * changed it since (no p1_redact_ids(), no edits).  Lines byte-identical
 * to that telegram's, at the same place, are taken over from it instead of
 * being parsed again: a meter's telegrams repeat nearly all their lines,
 * so a stream of them parses at a fraction of the cost.  The result is
 * exactly what a parse without the flag gives.  Breaking the contract
 * gives a wrong result, never an out-of-bounds access.
 */
#define P1_PARSE_REUSE (1u << 1)

struct p1_parse_opts {
	uint32_t zone;	/* enum p1_zone of the meter's clock */
	uint32_t flags; /* P1_PARSE_* */
	uint32_t crc;	/* with P1_PARSE_CRC_GIVEN: the verdict (enum
			   p1_crc), e.g. from the kernel's telegram status */
};

/*
 * Parse the telegram in buf[0..len): bytes before the first '/' are
 * skipped (P1_ANOM_GARBAGE), the telegram ends with the line after a
 * line-starting '!'.  Returns 0 when a telegram was found (even a broken
 * one: see t->crc and t->anomalies), -1 when buf holds no '/'.  @out is
 * fully rewritten; @opts may be NULL.
 */
int p1_parse(const void *buf, size_t len, struct p1_telegram *out,
	     const struct p1_parse_opts *opts);

/* Value helpers. */
static inline const char *p1_value_raw(const struct p1_telegram *t,
				       const struct p1_value *v)
{
	return t->text + v->off;
}

static inline const char *p1_value_unit(const struct p1_telegram *t,
					const struct p1_value *v)
{
	return t->text + v->off + v->len - v->unit_len;
}

static inline const struct p1_value *
p1_object_value(const struct p1_telegram *t, const struct p1_object *o,
		unsigned i)
{
	return i < o->nvalues ? &t->values[o->first + i] : NULL;
}

/*
 * The first object whose code is @obis ("1-0:1.8.1", "0-1:24.2.1";
 * "*255" suffixes match codes without one), or NULL.
 */
const struct p1_object *p1_find(const struct p1_telegram *t, const char *obis);

/*
 * The M-Bus channel holding a device of @kind: the first one that is not
 * stale, else the first one, else NULL.
 */
const struct p1_mbus *p1_mbus_find(const struct p1_telegram *t, unsigned kind);

/* Names: "ok"/"bad"/"none"/"unchecked"; "gas"/"water"/...; "dsmr"/... */
const char *p1_crc_name(unsigned crc);
const char *p1_mbus_kind_name(unsigned kind);
const char *p1_family_name(unsigned family);

/*
 * Zone by name: "Europe/Amsterdam" (and every CET/CEST zone name such as
 * "Europe/Brussels", "Europe/Luxembourg", "Europe/Stockholm",
 * "Europe/Vienna", "Europe/Budapest", "CET"), "Europe/Dublin", "UTC".
 * Returns enum p1_zone, or -1 for a name it does not know.
 */
int p1_zone_from_name(const char *name);

/*
 * Parse a timestamp "YYMMDDhhmmss" with an optional S/W flag (n = 12 or
 * 13) in @zone into Unix seconds.  Returns 0, or -1 if it is invalid.
 */
int p1_time_parse(const char *s, size_t n, unsigned zone, int64_t *utc);

/* Format an OBIS code ("1-0:1.8.1", "*F" only if f != 255); snprintf-like. */
int p1_obis_format(const struct p1_obis *o, char *buf, size_t cap);

/*
 * JSON.  One object per telegram, no trailing newline:
 *   {"crc":"ok","header":"…","family":"dsmr","dsmr":50,…,
 *    "objects":[{"obis":"1-0:1.8.1","values":[{"raw":"…","number":…,
 *                "unit":"kWh"}]}, …],
 *    "electricity":{…}, "mbus":[…]}
 * See docs/libp1.md for every member.  Strings are escaped;
 * bytes that are not UTF-8 come out as \u00XX.
 */
#define P1_JSON_OBJECTS (1u << 0) /* the generic "objects" list */
#define P1_JSON_TYPED	(1u << 1) /* the typed members */
#define P1_JSON_MEMBERS (1u << 2) /* omit the outer { }: callers add more */
#define P1_JSON_ALL	(P1_JSON_OBJECTS | P1_JSON_TYPED)

/* Output callback: return 0 to go on, non-zero to stop (passed back). */
typedef int (*p1_write_fn)(void *ctx, const char *s, size_t n);

int p1_json_emit(const struct p1_telegram *t, unsigned flags, p1_write_fn fn,
		 void *ctx);

/*
 * Write into buf (cap bytes, always NUL-terminated if cap > 0), like
 * snprintf: returns the full length, which is >= cap if it was cut.
 */
size_t p1_json_write(const struct p1_telegram *t, unsigned flags, char *buf,
		     size_t cap);

/* Write s[0..n) as a JSON string, quotes included, escaped as above. */
int p1_json_string(const char *s, size_t n, p1_write_fn fn, void *ctx);

/* The library version ("0.1.0"). */
const char *p1_version(void);

/*
 * Identifiers are personal data (they name the household).
 * p1_obis_is_identifier(): whether code o carries one in a telegram of
 * family (enum p1_family): x-y:96.1.e (e 0-9, 255; not eMUCs' version
 * 0-0:96.1.4), x-y:0.0.e (EasyMeter's 1-0:0.0.0) and x-y:42.0.0 (Smarty).
 * p1_redact_ids(): clears the typed equipment and M-Bus ids and overwrites
 * with 'x' the values of every identifier object and the meter's id where
 * the identification line repeats it (t->text then no longer matches its
 * CRC).  Returns how many values and places it masked.
 */
bool p1_obis_is_identifier(const struct p1_obis *o, unsigned family);
unsigned p1_redact_ids(struct p1_telegram *t);

#ifdef __cplusplus
}
#endif

#endif /* P1_P1_H */
