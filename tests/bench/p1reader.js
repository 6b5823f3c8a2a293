// SPDX-License-Identifier: GPL-2.0-or-later
// p1reader.js - the npm p1-reader package doing the work of
// `p1ctl decode --json` (make bench-decode): read a capture in 64 KiB
// chunks, split it where p1-reader's serial path splits it (the
// DelimiterParser on "!"), parse each telegram with its parsePacket() and
// write one JSON line per telegram to OUT.  Prints the process CPU time
// per telegram, then the parse alone (parsePacket on the same telegram,
// best of several batches), in microseconds:
//   node p1reader.js MODULE_DIR CAPTURE OUT
'use strict';
const fs = require('fs');
const path = require('path');
const [dir, capture, out] = process.argv.slice(2);
const req = (m) => require(path.join(dir, 'node_modules', m));
const parsePacket = req('p1-reader/lib/parsePacket');
const { DelimiterParser } = req('@serialport/parser-delimiter');

function endToEnd(done) {
	const c0 = process.cpuUsage();
	const os = fs.createWriteStream(out);
	const parser = new DelimiterParser({ delimiter: '!' });
	let n = 0, sample = null;
	parser.on('data', (data) => {
		const received = data.toString();
		const at = received.indexOf('/');
		if (at === -1)
			return;
		const packet = received.substring(at);
		const p = parsePacket(packet);
		if (p.timestamp === null)
			return;
		sample = sample || packet;
		n++;
		os.write(JSON.stringify(p) + '\n');
	});
	parser.on('end', () => os.end(() => {
		const c = process.cpuUsage(c0);
		done(n, (c.user + c.system) / n, sample);
	}));
	fs.createReadStream(capture, { highWaterMark: 65536 }).pipe(parser);
}

endToEnd((n, us, sample) => {
	let best = Infinity, sink = 0;
	for (let r = 0; r < 15; r++) {
		const t0 = process.hrtime.bigint();
		for (let i = 0; i < 1000; i++)
			sink += parsePacket(sample).meterType.length;
		const dt = Number(process.hrtime.bigint() - t0) / 1000 / 1000;
		if (dt < best)
			best = dt;
	}
	console.log(`${n} ${us.toFixed(2)} ${best.toFixed(2)} ${sink > 0}`);
});
