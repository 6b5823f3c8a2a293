// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_families.c - every meter family of the corpus parses into the right
 * typed values (units converted, times in UTC), not just "parses".
 * Expected times were computed independently with Python's zoneinfo.
 */
#include <string.h>

#include "unit.h"

static void nl_dsmr22(void **state)
{
	struct p1_telegram *t = corpus_parse("nl-dsmr22.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	const struct p1_mbus *m = &t->data.mbus[0];
	const struct p1_object *o;
	const struct p1_value *v;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_NONE);
	assert_false(t->has_crc);
	assert_int_equal(t->anomalies, 0);
	assert_int_equal(t->nobjects, 16);
	assert_int_equal(t->data.family, P1_FAMILY_DSMR);
	assert_int_equal(t->data.dsmr, 22);
	assert_string_equal(t->data.equipment_id, "KA6P005014921562");
	check_num(e->energy_import[1], 1234567);
	check_num(e->energy_import[2], 2345678);
	check_num(e->energy_export[1], 12345);
	check_num(e->energy_export[2], 23456);
	check_absent(e->energy_import[0]);
	check_num(e->tariff, 2);
	check_num(e->power_import, 420);
	check_num(e->power_export, 0);
	check_num(e->limiter_current, 999);
	check_absent(e->limiter_power);
	check_num(e->breaker, 1);
	assert_true(e->text_present);
	assert_int_equal(e->text_len, 0);
	/* gas: 24.3.0 with the reading on the next line */
	assert_true(m->present);
	assert_false(m->stale);
	assert_int_equal(m->kind, P1_MBUS_GAS);
	check_num(m->type, 3);
	assert_string_equal(m->id, "28009001140641013");
	check_num(m->reading, 876.543);
	check_num(m->volume_m3, 876.543);
	assert_string_equal(m->unit, "m3");
	check_time(m->time, 1337270400); /* 2012-05-17 18:00 CEST */
	check_num(m->valve, 1);
	assert_int_equal(m->reading_obis, 2430);
	/* generic view: the next-line value belongs to 24.3.0 */
	o = must_find(t, "0-1:24.3.0");
	assert_int_equal(o->nvalues, 7);
	v = p1_object_value(t, o, 6);
	assert_true(v->flags & P1_VAL_NEXT_LINE);
	assert_true(v->flags & P1_VAL_NUMBER);
	assert_true(v->number == (double)876.543); /* see test_values.c */
	v = p1_object_value(t, o, 0);
	assert_true(v->flags & P1_VAL_TIME);
	assert_int_equal(v->time, 1337270400);
	check_raw(t, o, 5, "m3");
}

static void nl_dsmr30(void **state)
{
	struct p1_telegram *t = corpus_parse("nl-dsmr30.txt", 0);
	const struct p1_mbus *m = &t->data.mbus[0];
	const struct p1_object *o = must_find(t, "0-1:24.3.0");

	(void)state;
	assert_int_equal(t->crc, P1_CRC_NONE);
	assert_int_equal(t->data.family, P1_FAMILY_DSMR);
	/* no version line; the gas reading on its own line tells 3.0 */
	assert_int_equal(t->data.dsmr, 30);
	assert_string_equal(t->data.equipment_id, " KA6U001234567812");
	check_num(t->data.elec.energy_import[1], 8123000);
	check_num(t->data.elec.energy_import[2], 7456000);
	check_num(t->data.elec.power_import, 370);
	/* gas on the same line */
	assert_int_equal(o->nvalues, 7);
	assert_false(p1_object_value(t, o, 6)->flags & P1_VAL_NEXT_LINE);
	assert_int_equal(m->kind, P1_MBUS_GAS);
	check_num(m->reading, 4321.987);
	check_time(m->time, 1360918800); /* 2013-02-15 10:00 CET */
}

static void nl_dsmr40(void **state)
{
	struct p1_telegram *t = corpus_parse("nl-dsmr40.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	const struct p1_mbus *m = &t->data.mbus[0];

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_true(t->has_crc);
	assert_int_equal(t->data.family, P1_FAMILY_DSMR);
	assert_int_equal(t->data.dsmr, 40);
	assert_string_equal(t->data.version, "40");
	check_time(t->data.time, 1446666087);
	check_num(e->energy_import[1], 4765123);
	check_num(e->energy_import[2], 3456789);
	check_num(e->energy_export[1], 0);
	check_num(e->power_import, 312);
	check_num(e->limiter_power, 999900);
	check_num(e->failures, 4);
	check_num(e->long_failures, 2);
	/* the log holds one valid and one unset-clock entry */
	assert_true(e->failure_log_present);
	assert_int_equal(e->failure_log_count, 2);
	assert_int_equal(e->nfailure_log, 2);
	check_time(e->failure_log[0].end, 1435043554);
	check_num(e->failure_log[0].duration_s, 3456);
	check_bad_time(e->failure_log[1].end);
	check_num(e->failure_log[1].duration_s, 2147483647);
	assert_true(t->anomalies & P1_ANOM_BAD_TIME);
	assert_int_equal(t->bad_times, 1);
	check_num(e->phase[0].current, 1);
	check_num(e->phase[0].power_import, 312);
	check_num(e->phase[0].voltage_sags, 0);
	check_absent(e->phase[1].voltage_sags);
	check_num(m->reading, 1234.567);
	check_time(m->time, 1446663600);
	assert_int_equal(m->reading_obis, 2421);
}

static void nl_dsmr42(void **state)
{
	struct p1_telegram *t = corpus_parse("nl-dsmr42.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	static const int64_t end[3] = {1458063739, 1454860117, 1447833383};
	static const double dur[3] = {310, 981, 502496};
	unsigned i;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_int_equal(t->data.dsmr, 42);
	check_time(t->data.time, 1479067077);
	check_num(e->energy_import[1], 2074842);
	check_num(e->energy_import[2], 881383);
	check_num(e->energy_export[1], 10981);
	check_num(e->energy_export[2], 28031);
	check_num(e->tariff, 1);
	check_num(e->long_failures, 3);
	assert_int_equal(e->nfailure_log, 3);
	for (i = 0; i < 3; i++) {
		check_time(e->failure_log[i].end, end[i]);
		check_num(e->failure_log[i].duration_s, dur[i]);
	}
	check_num(e->phase[0].voltage_sags, 2);
	check_num(e->phase[1].voltage_sags, 1);
	check_num(e->phase[2].voltage_swells, 3);
	check_num(e->phase[0].current, 3);
	check_num(e->phase[1].power_import, 159);
	check_num(e->phase[2].power_import, 3);
	check_num(t->data.mbus[0].reading, 3303.951);
	check_time(t->data.mbus[0].time, 1479063600);
}

static void nl_dsmr50(void **state)
{
	struct p1_telegram *t = corpus_parse("nl-dsmr50.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	const char *text = "Onderhoud netbeheerder 14-03 09:00-11:00";

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_int_equal(t->anomalies, 0);
	assert_int_equal(t->bad_lines, 0);
	assert_int_equal(t->header_len, strlen("ISK5\\2M550T-1012"));
	assert_memory_equal(t->text + t->header_off, "ISK5\\2M550T-1012",
			    t->header_len);
	assert_int_equal(t->data.dsmr, 50);
	check_time(t->data.time, 1688218245); /* 2023-07-01 15:30:45 CEST */
	assert_string_equal(t->data.equipment_id, "E0044007131650617");
	check_num(e->energy_import[1], 12345678);
	check_num(e->energy_import[2], 10987654);
	check_num(e->energy_export[1], 1234567);
	check_num(e->energy_export[2], 2345678);
	check_num(e->power_import, 1193);
	check_num(e->power_export, 0);
	check_num(e->failures, 11);
	check_time(e->failure_log[0].end, 1668403812);
	check_time(e->failure_log[1].end, 1680686553);
	check_num(e->failure_log[1].duration_s, 321);
	assert_true(e->text_present);
	assert_int_equal(e->text_len, strlen(text));
	assert_string_equal(e->text, text);
	check_num(e->phase[0].voltage, 229.1);
	check_num(e->phase[1].voltage, 230.4);
	check_num(e->phase[2].voltage, 231.0);
	check_num(e->phase[2].current, 2);
	check_num(e->phase[0].power_import, 612);
	check_num(e->phase[2].power_import, 370);
	check_num(e->phase[2].power_export, 0);
	check_num(t->data.mbus[0].reading, 4567.891);
	check_time(t->data.mbus[0].time, 1688218200);
	assert_false(t->data.mbus[1].present);
}

static void be_emucs(void **state)
{
	static const struct {
		int64_t month, time;
		double w;
	} peaks[13] = {
		{1677625200, 1676397600, 3695}, {1675206000, 1673976600, 4012},
		{1672527600, 1671641100, 5980}, {1669849200, 1669828500, 4318},
		{1667253600, 1665594900, 3001}, {1664575200, 1663048800, 2750},
		{1661983200, 1661191200, 2610}, {1659304800, 1657016100, 2544},
		{1656626400, 1655400600, 2980}, {1654034400, 1651556700, 3210},
		{1651356000, 1649695500, 3333}, {1648764000, 1646676000, 4444},
		{1646089200, 1645470900, 4876},
	};
	struct p1_telegram *t = corpus_parse("be-emucs.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	const struct p1_mbus *gas = &t->data.mbus[0], *water = &t->data.mbus[1];
	unsigned i;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_int_equal(t->anomalies, 0);
	assert_int_equal(t->data.family, P1_FAMILY_EMUCS);
	assert_string_equal(t->data.version, "50217");
	assert_int_equal(t->data.dsmr, 50);
	assert_string_equal(t->data.equipment_id, "1SAA#123456789");
	check_time(t->data.time, 1679319012);
	check_num(e->energy_import[1], 123456);
	check_num(e->energy_import[2], 234567);
	check_num(e->energy_export[1], 12345);
	check_num(e->energy_export[2], 1234);
	check_num(e->tariff, 1);
	check_num(e->demand, 2351);
	check_time(e->month_peak.time, 1678175100);
	check_num(e->month_peak.power, 4123);
	assert_true(e->peaks_present);
	assert_int_equal(e->peaks_count, 13);
	assert_int_equal(e->npeaks, 13);
	for (i = 0; i < 13; i++) {
		check_time(e->peaks[i].month, peaks[i].month);
		check_time(e->peaks[i].time, peaks[i].time);
		check_num(e->peaks[i].power, peaks[i].w);
	}
	check_num(e->phase[0].power_import, 201);
	check_num(e->phase[2].voltage, 232.0);
	check_num(e->phase[0].current, 1.05);
	check_num(e->phase[1].current, 0.78);
	check_num(e->limiter_power, 999900);
	check_num(e->fuse, 999);
	check_num(e->breaker, 1);
	assert_int_equal(gas->kind, P1_MBUS_GAS);
	assert_string_equal(gas->id, "7FLO2123023085");
	check_num(gas->reading, 1234.567);
	check_time(gas->time, 1679319005);
	assert_int_equal(gas->reading_obis, 2423);
	check_num(gas->valve, 1);
	assert_int_equal(water->kind, P1_MBUS_WATER);
	check_num(water->type, 7);
	check_num(water->volume_m3, 56.789);
	assert_int_equal(water->reading_obis, 2421);
	assert_ptr_equal(p1_mbus_find(t, P1_MBUS_WATER), water);
	assert_ptr_equal(p1_mbus_find(t, P1_MBUS_GAS), gas);
}

static void lu_smarty(void **state)
{
	struct p1_telegram *t = corpus_parse("lu-smarty.txt", 0);
	const struct p1_elec *e = &t->data.elec;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_int_equal(t->data.family, P1_FAMILY_SMARTY);
	assert_int_equal(t->data.dsmr, 42);
	check_time(t->data.time, 1683799205);
	check_num(e->energy_import[0], 1234567);
	check_num(e->energy_export[0], 456789);
	check_num(e->reactive_import[0], 123456);
	check_num(e->reactive_export[0], 45678);
	check_num(e->reactive_power_import, 123);
	check_num(e->reactive_power_export, 45);
	check_num(e->limiter_power, 27600);
	assert_true(e->failure_log_present);
	assert_int_equal(e->failure_log_count, 0);
	assert_int_equal(e->nfailure_log, 0);
	check_num(e->phase[0].voltage_sags, 2);
	check_num(t->data.mbus[0].reading, 321.123);
	check_time(t->data.mbus[0].time, 1683799200);
}

static void se_nordic(void **state)
{
	struct p1_telegram *t = corpus_parse("se-nordic.txt", 0);
	const struct p1_elec *e = &t->data.elec;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_int_equal(t->data.family, P1_FAMILY_NORDIC);
	assert_int_equal(t->data.dsmr, 0);
	check_time(t->data.time, 1673686512);
	check_num(e->energy_import[0], 12345678);
	check_num(e->energy_export[0], 123456);
	check_num(e->reactive_import[0], 234567);
	check_num(e->reactive_export[0], 1234567);
	check_num(e->power_import, 1234);
	check_num(e->reactive_power_export, 321);
	check_num(e->phase[0].reactive_export, 100);
	check_num(e->phase[2].reactive_export, 111);
	check_num(e->phase[1].reactive_import, 0);
	check_num(e->phase[0].current, 2.0);
	check_num(e->phase[1].current, 1.7);
}

static void at_plain(void **state)
{
	struct p1_telegram *t = corpus_parse("at-plain.txt", 0);
	const struct p1_elec *e = &t->data.elec;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_string_equal(t->data.equipment_id, "11001234");
	check_time(t->data.time, 1686392100);
	/* W and Wh units, not kW/kWh */
	check_num(e->energy_import[0], 123456);
	check_num(e->energy_export[0], 789);
	check_num(e->reactive_import[0], 12345);
	check_num(e->power_import, 123);
	check_num(e->reactive_power_import, 45);
	check_num(e->phase[0].voltage, 230.5);
	check_num(e->phase[0].current, 0.53);
}

static void hu_plain(void **state)
{
	struct p1_telegram *t = corpus_parse("hu-plain.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	static const double imp[5] = {1234567, 600000, 400000, 200000, 34567};
	static const double exp_[5] = {10000, 4000, 3000, 2000, 1000};
	static const double q[4] = {100001, 11110, 1111, 21111};
	unsigned i;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_OK);
	assert_int_equal(t->data.family, P1_FAMILY_HU);
	check_time(t->data.time, 1695802500);
	check_num(e->tariff, 3);
	for (i = 0; i < 5; i++) {
		check_num(e->energy_import[i], imp[i]);
		check_num(e->energy_export[i], exp_[i]);
	}
	for (i = 0; i < 4; i++)
		check_num(e->reactive_quadrant[i], q[i]);
	check_num(e->power_factor, 0.987);
	check_num(e->frequency, 50.01);
	check_num(e->phase[1].power_factor, 0.985);
	check_num(e->fuse, 32);
	check_num(e->limiter_power, 90000);
	assert_string_equal(t->data.equipment_id, "12345678901234");
}

static void ie_zone(void **state)
{
	struct p1_telegram *t;

	(void)state;
	/* S means IST (UTC+1) on an Irish meter ... */
	t = corpus_parse("ie-dsmr50.txt", P1_ZONE_DUBLIN);
	check_time(t->data.time, 1688209200);
	check_num(t->data.elec.energy_import[0], 4321000);
	check_num(t->data.elec.energy_import[2], 2321000);
	check_num(t->data.elec.energy_export[0], 100500);
	check_num(t->data.elec.phase[0].voltage, 238.0);
	/* ... and CEST (UTC+2) under the default zone */
	t = corpus_parse("ie-dsmr50.txt", P1_ZONE_AMSTERDAM);
	check_time(t->data.time, 1688205600);
	t = corpus_parse("ie-dsmr50.txt", P1_ZONE_UTC);
	check_time(t->data.time, 1688212800);
}

static void de_easymeter(void **state)
{
	struct p1_telegram *t = corpus_parse("de-easymeter-q3d.txt", 0);
	const struct p1_elec *e = &t->data.elec;
	const struct p1_object *o;

	(void)state;
	assert_int_equal(t->crc, P1_CRC_NONE);
	assert_int_equal(t->anomalies, 0);
	assert_int_equal(t->data.family, P1_FAMILY_EASYMETER);
	assert_string_equal(t->data.equipment_id, "1ESY1161234567");
	check_num(e->energy_import[0], 11846321.3241);
	check_num(e->energy_export[0], 1234123.4567);
	check_num(e->power_import, 188.94);
	check_num(e->phase[0].power_import, 69.24);
	check_num(e->phase[2].power_import, 50.05);
	/* "*255" codes match with and without the suffix */
	o = must_find(t, "1-0:1.8.0");
	assert_ptr_equal(o, must_find(t, "1-0:1.8.0*255"));
	assert_true(o->flags & P1_OBJ_SUFFIX);
	assert_int_equal(o->obis.f, 255);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nl_dsmr22), cmocka_unit_test(nl_dsmr30),
		cmocka_unit_test(nl_dsmr40), cmocka_unit_test(nl_dsmr42),
		cmocka_unit_test(nl_dsmr50), cmocka_unit_test(be_emucs),
		cmocka_unit_test(lu_smarty), cmocka_unit_test(se_nordic),
		cmocka_unit_test(at_plain),  cmocka_unit_test(hu_plain),
		cmocka_unit_test(ie_zone),   cmocka_unit_test(de_easymeter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
