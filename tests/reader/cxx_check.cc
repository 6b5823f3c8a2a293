// SPDX-License-Identifier: GPL-2.0-or-later
// The reader API from C++: the headers compile as C++ (extern "C",
// no C-only constructs) and a program using them links against libp1.
#include <p1/p1.h>
#include <p1/reader.h>

#include <cstdio>

namespace {
int seen;

void on_reading(p1_reader *r, void *, const p1_telegram *t,
		const p1_reader_meta *m)
{
	std::printf("%llu %g W\n", static_cast<unsigned long long>(m->seq),
		    t->data.elec.power_import.value);
	if (++seen == 2)
		p1_reader_stop(r);
}
} // namespace

int main()
{
	p1_reader_callbacks cb = {};
	cb.reading = on_reading;
	char err[256];
	p1_reader *r = p1_reader_new("emulator:dsmr5,interval=0.01", &cb,
				     nullptr, err, sizeof err);
	if (!r)
		return 1;
	int ret = p1_reader_run(r);
	const p1_reader_counters *c = p1_reader_get_counters(r);
	bool ok = ret == 0 && seen == 2 && c->telegrams == 2;
	p1_reader_free(r);
	return ok ? 0 : 1;
}
