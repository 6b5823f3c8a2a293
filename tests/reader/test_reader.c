// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_reader.c - libp1's reader (p1/reader.h) through its public API,
 * one test per source kind on real parts: capture files and pipes, a pty
 * pair for the serial line, a loopback TCP server that hangs up, the
 * emulator; plus the order of the callbacks, bounded work per process()
 * on input without telegrams (/dev/zero, noise looped), and standard
 * input's flags put back.  The kernel chardev is tested in the qemu guest
 * (tests/qemu), where n_p1 is loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <p1/p1.h>
#include <p1/reader.h>

/* What the callbacks saw, one letter each: C connected, T telegram,
 * R reading, E error, x closed (retrying), X closed (final). */
struct rec {
	char ev[512];
	size_t n;
	int ntel, nread, nerr, nclosed, nconn, nenc;
	uint64_t last_seq;
	uint32_t last_status;
	double power;
	char lasterr[256];
	int stop_after; /* stop the reader after this many readings */
};

static void add(struct rec *c, char e)
{
	if (c->n + 1 < sizeof(c->ev))
		c->ev[c->n++] = e;
	c->ev[c->n] = '\0';
}

static void on_conn(struct p1_reader *r, void *u, const char *d)
{
	struct rec *c = u;

	(void)r;
	assert_non_null(d);
	c->nconn++;
	add(c, 'C');
}

static void on_tel(struct p1_reader *r, void *u, const uint8_t *data,
		   const struct p1_reader_meta *m)
{
	struct rec *c = u;

	(void)r;
	assert_true(m->len > 0);
	assert_int_equal(data[0], '/');
	assert_true(m->seq > c->last_seq);
	c->last_seq = m->seq;
	c->last_status = m->status;
	c->ntel++;
	if (m->encrypted) {
		assert_true(m->frame_counter > 0);
		c->nenc++;
	}
	add(c, 'T');
}

static void on_read(struct p1_reader *r, void *u, const struct p1_telegram *t,
		    const struct p1_reader_meta *m)
{
	struct rec *c = u;

	assert_int_equal(m->seq, c->last_seq); /* right after its telegram */
	c->power = t->data.elec.power_import.value;
	c->nread++;
	add(c, 'R');
	if (c->stop_after && c->nread == c->stop_after)
		p1_reader_stop(r);
}

static void on_err(struct p1_reader *r, void *u, int err, const char *msg)
{
	struct rec *c = u;

	(void)r;
	assert_true(err < 0);
	snprintf(c->lasterr, sizeof(c->lasterr), "%s", msg);
	c->nerr++;
	add(c, 'E');
}

static void on_closed(struct p1_reader *r, void *u, int final, int err,
		      const char *why)
{
	struct rec *c = u;

	(void)r;
	(void)err;
	assert_non_null(why);
	c->nclosed++;
	add(c, final ? 'X' : 'x');
}

static const struct p1_reader_callbacks cbs = {
	.connected = on_conn,
	.telegram = on_tel,
	.reading = on_read,
	.error = on_err,
	.closed = on_closed,
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Time bounds are multiplied by $P1_TEST_SLOW (valgrind runs). */
static uint64_t slow(void)
{
	const char *v = getenv("P1_TEST_SLOW");

	return v && atoi(v) > 0 ? (uint64_t)atoi(v) : 1;
}

/* CPU time of this thread: what a process() call costs, which a loaded
 * machine does not inflate (wall time would count being preempted). */
static uint64_t cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Drive the reader like an event loop until done() or ms pass; returns
 * the longest single process() call in ms of CPU time.  No call may block
 * (2 s of wall time: far beyond what a loaded machine's preemption adds). */
static uint64_t drive(struct p1_reader *r, struct rec *c,
		      bool (*done)(const struct rec *), int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms, longest = 0;

	while (now_ms() < end && !(done && done(c))) {
		struct pollfd p = {.fd = -1};
		int t = p1_reader_timeout(r), n;
		uint64_t t0, w0;

		p.fd = p1_reader_fd(r, &p.events);
		if (p.fd < 0 && t < 0)
			break;
		if (t < 0 || t > 50)
			t = 50;
		n = poll(&p, 1, t);
		t0 = cpu_ms();
		w0 = now_ms();
		if (p1_reader_process(r, n > 0 ? p.revents : 0))
			break;
		assert_true(now_ms() - w0 < 2000 * slow());
		if (cpu_ms() - t0 > longest)
			longest = cpu_ms() - t0;
	}
	return longest;
}

/* tests/corpus/NAME, in one of two static buffers (used alternately) */
static char *corpus(const char *name, size_t *len)
{
	static char bufs[2][32768];
	static int which;
	char *buf = bufs[which++ & 1], path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	*len = fread(buf, 1, sizeof(bufs[0]), f);
	fclose(f);
	return buf;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/p1rd.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

/* ---- source strings and options ---- */

static void test_bad_sources(void **state)
{
	char err[256];
	struct p1_reader *r;

	(void)state;
	r = p1_reader_new("tcp:nohostport", &cbs, NULL, err, sizeof(err));
	assert_null(r);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "HOST:PORT"));
	assert_null(
		p1_reader_new("emulator:dsmr9", &cbs, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "unknown profile"));
	assert_null(p1_reader_new("/dev/ttyS0,baud=300", &cbs, NULL, err,
				  sizeof(err)));
	assert_non_null(strstr(err, "baud"));
	assert_null(p1_reader_new("/dev/ttyS0,colour=red", &cbs, NULL, err,
				  sizeof(err)));
	assert_non_null(strstr(err, "unknown option"));
	assert_null(p1_reader_new("-,zone=Mars/Base", &cbs, NULL, err,
				  sizeof(err)));
	assert_non_null(strstr(err, "time zone"));

	r = p1_reader_new("/dev/ttyUSB7,baud=auto", NULL, NULL, NULL, 0);
	assert_non_null(r);
	assert_int_equal(p1_reader_kind(r), P1_READER_SERIAL);
	assert_string_equal(p1_reader_source(r), "/dev/ttyUSB7");
	assert_int_equal(p1_reader_set_option(r, "mode", "7E1"), 0);
	assert_int_equal(p1_reader_set_option(r, "mode", "9N2"), -EINVAL);
	p1_reader_free(r);

	r = p1_reader_new("/dev/p1-3", NULL, NULL, NULL, 0);
	assert_int_equal(p1_reader_kind(r), P1_READER_KERNEL);
	p1_reader_free(r);
	r = p1_reader_new("tcp:[::1]:2323", NULL, NULL, NULL, 0);
	assert_int_equal(p1_reader_kind(r), P1_READER_TCP);
	assert_string_equal(p1_reader_source(r), "[::1]:2323");
	p1_reader_free(r);
	r = p1_reader_new("emulator", NULL, NULL, NULL, 0);
	assert_int_equal(p1_reader_kind(r), P1_READER_EMULATOR);
	assert_string_equal(p1_reader_kind_name(p1_reader_kind(r)), "emulator");
	assert_int_equal(p1_reader_start(r), 0);
	assert_int_equal(p1_reader_start(r), -EBUSY);
	assert_int_equal(p1_reader_set_option(r, "seed", "1"), -EBUSY);
	p1_reader_free(r);
}

/* ---- capture files ---- */

static bool ended(const struct rec *c)
{
	return strchr(c->ev, 'X') != NULL;
}

/*
 * Encrypted frames (tests/corpus/dlms_gen.py): decrypted with key-file=,
 * delivered like text telegrams (meta->encrypted); the forged one and the
 * replay are counted and reported, never delivered; without a key they
 * are counted and reported once.
 */
static void test_file_encrypted(void **state)
{
	char src[512], key[512];
	const struct p1_reader_counters *k;
	struct rec c = {0};
	struct p1_reader *r;
	char err[256];

	(void)state;
	snprintf(src, sizeof(src), "file:%s/dlms-stream.bin,rate=max",
		 CORPUS_DIR);
	snprintf(key, sizeof(key), "%s/lu-smarty.key", CORPUS_DIR);
	r = p1_reader_new(src, &cbs, &c, NULL, 0);
	assert_non_null(r);
	assert_int_equal(p1_reader_set_option(r, "key-file", key), 0);
	assert_int_equal(p1_reader_start(r), 0);
	drive(r, &c, ended, 5000);
	k = p1_reader_get_counters(r);
	assert_int_equal(c.ntel, 4);
	assert_int_equal(c.nread, 4);
	assert_int_equal(c.nenc, 3);
	assert_int_equal(k->telegrams, 4);
	assert_int_equal(k->dlms_decrypted, 3);
	assert_int_equal(k->dlms_auth_failed, 1);
	assert_int_equal(k->dlms_replayed, 1);
	assert_int_equal(k->dlms_no_key, 0);
	assert_int_equal(k->garbage_bytes, 19);
	assert_true(c.nerr >= 2);
	p1_reader_free(r);

	/* No key: counted, told once, nothing delivered but the text. */
	memset(&c, 0, sizeof(c));
	r = p1_reader_new(src, &cbs, &c, NULL, 0);
	assert_int_equal(p1_reader_start(r), 0);
	drive(r, &c, ended, 5000);
	k = p1_reader_get_counters(r);
	assert_int_equal(c.ntel, 1);
	assert_int_equal(k->dlms_no_key, 5);
	assert_int_equal(c.nerr, 1);
	assert_non_null(strstr(c.lasterr, "no key is set"));
	p1_reader_free(r);

	/* Bad keys are refused when set. */
	snprintf(src, sizeof(src), "file:%s/dlms-stream.bin,key=0011",
		 CORPUS_DIR);
	assert_null(p1_reader_new(src, &cbs, &c, err, sizeof(err)));
	assert_non_null(strstr(err, "not a key"));
}

static void test_file_order(void **state)
{
	char path[128], buf[70000];
	size_t n1, n2, len = 0;
	const char *a, *b;
	struct rec c = {0};
	struct p1_reader *r;

	(void)state;
	a = corpus("nl-dsmr50.txt", &n1);
	memcpy(buf, "noise before\r\n", 14);
	len = 14;
	memcpy(buf + len, a, n1);
	len += n1;
	b = corpus("be-emucs.txt", &n2);
	memcpy(buf + len, b, n2);
	len += n2;
	/* a third one with a wrong CRC: a telegram, not a reading */
	memcpy(buf + len, a, n1);
	buf[len + 30] ^= 1;
	len += n1;
	snprintf(path, sizeof(path), "%s/cap.txt", tmpdir);
	write_file(path, buf, len);

	r = p1_reader_new(path, &cbs, &c, NULL, 0);
	assert_non_null(r);
	assert_int_equal(p1_reader_kind(r), P1_READER_FILE);
	assert_int_equal(p1_reader_set_option(r, "rate", "max"), 0);
	assert_int_equal(p1_reader_start(r), 0);
	drive(r, &c, ended, 5000);
	assert_string_equal(c.ev, "CTRTRTX");
	assert_int_equal(c.last_status, P1_READER_CRC_ERROR);
	assert_int_equal(p1_reader_get_counters(r)->telegrams, 2);
	assert_int_equal(p1_reader_get_counters(r)->crc_errors, 1);
	assert_int_equal(p1_reader_get_counters(r)->garbage_bytes, 14);
	assert_int_equal(p1_reader_get_counters(r)->rx_bytes, len);
	assert_int_equal(p1_reader_get_counters(r)->connects, 1);
	assert_int_equal(p1_reader_get_counters(r)->disconnects, 1);
	assert_int_equal(p1_reader_fd(r, NULL), -1);
	assert_int_equal(p1_reader_timeout(r), -1);
	p1_reader_free(r);
}

/* Paced at 20 a second: 3 telegrams take about 100 ms, not 0. */
static void test_file_rate_loop(void **state)
{
	char path[128];
	size_t n;
	const char *a = corpus("nl-dsmr42.txt", &n);
	struct rec c = {.stop_after = 5};
	struct p1_reader *r;
	uint64_t t0;

	(void)state;
	snprintf(path, sizeof(path), "%s/one.txt", tmpdir);
	write_file(path, a, n);
	snprintf(path + strlen(path), sizeof(path) - strlen(path),
		 ",rate=20,loop");
	r = p1_reader_new(path, &cbs, &c, NULL, 0);
	assert_non_null(r);
	assert_int_equal(p1_reader_start(r), 0);
	t0 = now_ms();
	drive(r, &c, ended, 5000);
	assert_string_equal(c.ev, "CTRTRTRTRTRX");
	assert_true(now_ms() - t0 >= 150);
	p1_reader_free(r);
}

/* Issue 10 item 1: input without a telegram must not keep process()
 * busy; looping it waits between passes. */
static void test_file_no_telegram_bounded(void **state)
{
	char path[128], noise[5000];
	struct rec c = {0};
	struct p1_reader *r;
	uint64_t longest;

	(void)state;
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (char)("!/x\r\n0123"[i % 9]);
	snprintf(path, sizeof(path), "%s/noise.txt", tmpdir);
	write_file(path, noise, sizeof(noise));
	strcat(path, ",loop,rate=max");
	r = p1_reader_new(path, &cbs, &c, NULL, 0);
	assert_int_equal(p1_reader_start(r), 0);
	longest = drive(r, &c, NULL, 300);
	assert_true(longest < 100 * slow());
	assert_int_equal(c.ntel, 0);
	assert_true(c.nerr >= 1);
	assert_non_null(strstr(c.lasterr, "no complete telegram"));
	assert_true(p1_reader_timeout(r) > 100); /* waiting, not spinning */
	p1_reader_free(r);

	/* an empty file, looped */
	snprintf(path, sizeof(path), "%s/empty.txt", tmpdir);
	write_file(path, "", 0);
	strcat(path, ",loop");
	memset(&c, 0, sizeof(c));
	r = p1_reader_new(path, &cbs, &c, NULL, 0);
	assert_int_equal(p1_reader_start(r), 0);
	longest = drive(r, &c, NULL, 200);
	assert_true(longest < 100 * slow());
	assert_true(p1_reader_timeout(r) > 100);
	p1_reader_free(r);

	/* /dev/zero: endless bytes, never a telegram; each process() reads
	 * at most its budget (1 MiB) */
	memset(&c, 0, sizeof(c));
	r = p1_reader_new("file:/dev/zero,rate=max", &cbs, &c, NULL, 0);
	assert_int_equal(p1_reader_start(r), 0);
	for (int i = 0; i < 5; i++) {
		uint64_t before = p1_reader_get_counters(r)->rx_bytes;

		assert_int_equal(p1_reader_process(r, 0), 0);
		assert_true(p1_reader_get_counters(r)->rx_bytes - before <=
			    1024 * 1024 + 65536);
	}
	longest = drive(r, &c, NULL, 300);
	assert_true(longest < 100 * slow());
	assert_true(p1_reader_get_counters(r)->rx_bytes > 0);
	assert_true(p1_reader_get_counters(r)->garbage_bytes > 0);
	assert_true(p1_reader_get_counters(r)->rx_bytes < 64 * 1024 * 1024);
	p1_reader_free(r);
}

/* "-": standard input (here a pipe), its flags as they were afterwards. */
static void test_stdin_flags(void **state)
{
	size_t n;
	const char *a = corpus("nl-dsmr50.txt", &n);
	int p[2], saved = dup(STDIN_FILENO), before;
	struct rec c = {0};
	struct p1_reader *r;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	before = fcntl(STDIN_FILENO, F_GETFL);
	assert_false(before & O_NONBLOCK);
	r = p1_reader_new("-,rate=max", &cbs, &c, NULL, 0);
	assert_int_equal(p1_reader_kind(r), P1_READER_FILE);
	assert_int_equal(p1_reader_start(r), 0);
	drive(r, &c, NULL, 100); /* nothing yet: waits on the pipe */
	assert_int_equal(c.ntel, 0);
	assert_true(fcntl(STDIN_FILENO, F_GETFL) & O_NONBLOCK);
	assert_int_equal(write(p[1], a, n), (ssize_t)n);
	close(p[1]);
	drive(r, &c, ended, 3000);
	assert_string_equal(c.ev, "CTRX");
	assert_int_equal(fcntl(STDIN_FILENO, F_GETFL), before);
	p1_reader_free(r);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

/* ---- serial: a pty pair ---- */

static bool two_readings(const struct rec *c)
{
	return c->nread >= 2;
}

static bool closed_once(const struct rec *c)
{
	return c->nclosed >= 1;
}

static void test_serial_pty(void **state)
{
	int master, slave;
	char name[128], src[160];
	size_t n;
	const char *a = corpus("nl-dsmr50.txt", &n);
	struct rec c = {0};
	struct p1_reader *r;

	(void)state;
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	snprintf(src, sizeof(src), "%s,baud=115200,mode=8N1", name);
	r = p1_reader_new(src, &cbs, &c, NULL, 0);
	assert_non_null(r);
	assert_int_equal(p1_reader_kind(r), P1_READER_SERIAL);
	assert_int_equal(p1_reader_start(r), 0);
	assert_string_equal(c.ev, "C");
	assert_true(p1_reader_fd(r, NULL) >= 0);
	/* in pieces, with a real 0xFF in the garbage before (PARMRK
	 * doubles it; the reader must undo that) */
	assert_int_equal(write(master, "\xff\r\n", 3), 3);
	assert_int_equal(write(master, a, 100), 100);
	drive(r, &c, NULL, 50);
	assert_int_equal(write(master, a + 100, n - 100), (ssize_t)(n - 100));
	assert_int_equal(write(master, a, n), (ssize_t)n);
	drive(r, &c, two_readings, 3000);
	assert_string_equal(c.ev, "CTRTR");
	assert_int_equal(c.power, 1193);
	assert_int_equal(p1_reader_get_counters(r)->garbage_bytes, 3);
	/* the far end goes away: closed, then retried with backoff */
	close(master);
	close(slave);
	drive(r, &c, closed_once, 3000);
	assert_string_equal(c.ev, "CTRTRx");
	assert_int_equal(p1_reader_fd(r, NULL), -1);
	assert_true(p1_reader_timeout(r) > 0);
	p1_reader_free(r);
}

/* baud=auto: no telegram at the first setting within auto-timeout, the
 * next is tried (reported as an error), telegrams then lock it. */
static void test_serial_auto(void **state)
{
	int master, slave;
	char name[128], src[200];
	size_t n;
	const char *a = corpus("nl-dsmr22.txt", &n);
	struct rec c = {0};
	struct p1_reader *r;

	(void)state;
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	snprintf(src, sizeof(src), "%s,baud=auto,auto-timeout=0.2", name);
	r = p1_reader_new(src, &cbs, &c, NULL, 0);
	assert_int_equal(p1_reader_start(r), 0);
	drive(r, &c, NULL, 300);
	assert_string_equal(c.ev, "CE");
	assert_non_null(strstr(c.lasterr, "no telegram at 115200 8N1; "
					  "trying 9600 7E1"));
	assert_int_equal(write(master, a, n), (ssize_t)n);
	drive(r, &c, NULL, 300);
	assert_int_equal(c.nread, 1);
	assert_int_equal(c.last_status, P1_READER_NO_CRC);
	/* locked: silence no longer switches */
	drive(r, &c, NULL, 500);
	assert_int_equal(c.nerr, 1);
	p1_reader_free(r);
	close(master);
	close(slave);
}

static void test_serial_missing(void **state)
{
	struct rec c = {0};
	struct p1_reader *r;

	(void)state;
	r = p1_reader_new("serial:/dev/p1-test-no-such-tty", &cbs, &c, NULL, 0);
	assert_int_equal(p1_reader_start(r), 0);
	assert_string_equal(c.ev, "E"); /* not open: an error, a retry */
	assert_true(p1_reader_timeout(r) > 500);
	p1_reader_stop(r);
	assert_string_equal(c.ev, "EX");
	assert_int_equal(p1_reader_process(r, 0), 1);
	p1_reader_free(r);
}

/* ---- TCP: loopback server that hangs up ---- */

static int listen_any(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return s;
}

static int accept_within(int ls, struct p1_reader *r, struct rec *c)
{
	uint64_t end = now_ms() + 5000;

	while (now_ms() < end) {
		struct pollfd p[2] = {{.fd = ls, .events = POLLIN}, {.fd = -1}};
		int n;

		p[1].fd = p1_reader_fd(r, &p[1].events);
		n = poll(p, 2, 20);
		if (n > 0 && (p[0].revents & POLLIN))
			return accept(ls, NULL, NULL);
		p1_reader_process(r, n > 0 ? p[1].revents : 0);
		(void)c;
	}
	return -1;
}

static bool connected_twice(const struct rec *c)
{
	return c->nconn >= 2;
}

static void test_tcp_reconnect(void **state)
{
	int ls, port, cs;
	char src[64];
	size_t n;
	const char *a = corpus("nl-dsmr50.txt", &n);
	struct rec c = {0};
	struct p1_reader *r;

	(void)state;
	ls = listen_any(&port);
	snprintf(src, sizeof(src), "tcp:127.0.0.1:%d,idle-timeout=5", port);
	r = p1_reader_new(src, &cbs, &c, NULL, 0);
	assert_int_equal(p1_reader_start(r), 0);
	cs = accept_within(ls, r, &c);
	assert_true(cs >= 0);
	assert_int_equal(write(cs, a, n), (ssize_t)n);
	assert_int_equal(write(cs, a, 200), 200); /* cut by the hangup */
	drive(r, &c, two_readings, 300);
	close(cs);
	drive(r, &c, closed_once, 3000);
	assert_string_equal(c.ev, "CTRx");
	/* backoff (1 s), then connected again */
	cs = accept_within(ls, r, &c);
	assert_true(cs >= 0);
	drive(r, &c, connected_twice, 3000);
	assert_int_equal(write(cs, a, n), (ssize_t)n);
	drive(r, &c, two_readings, 3000);
	assert_string_equal(c.ev, "CTRxCTR");
	assert_int_equal(p1_reader_get_counters(r)->truncated, 1);
	assert_int_equal(p1_reader_get_counters(r)->connects, 2);
	assert_int_equal(p1_reader_get_counters(r)->disconnects, 1);
	close(cs);
	close(ls);
	p1_reader_free(r);

	/* nobody listening: errors (not "closed"), retried */
	memset(&c, 0, sizeof(c));
	r = p1_reader_new(src, &cbs, &c, NULL, 0);
	assert_int_equal(p1_reader_start(r), 0);
	drive(r, &c, NULL, 300);
	assert_string_equal(c.ev, "E");
	assert_true(p1_reader_timeout(r) > 0);
	p1_reader_free(r);
}

/* ---- emulator, and run() ---- */

static void test_emulator_run(void **state)
{
	struct rec c = {.stop_after = 3};
	struct p1_reader *r;

	(void)state;
	r = p1_reader_new("emulator:dsmr22,interval=0.01,seed=3", &cbs, &c,
			  NULL, 0);
	assert_non_null(r);
	assert_int_equal(p1_reader_run(r), 0);
	assert_string_equal(c.ev, "CTRTRTRX");
	assert_int_equal(c.last_status, P1_READER_NO_CRC);
	p1_reader_free(r);
}

/* Callbacks left NULL, parsing skipped without a reading callback. */
static void test_no_callbacks(void **state)
{
	struct p1_reader *r;

	(void)state;
	r = p1_reader_new("emulator:emucs,interval=0.001", NULL, NULL, NULL, 0);
	assert_int_equal(p1_reader_start(r), 0);
	drive(r, NULL, NULL, 50);
	assert_true(p1_reader_get_counters(r)->telegrams >= 2);
	p1_reader_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_sources),
		cmocka_unit_test(test_file_order),
		cmocka_unit_test(test_file_rate_loop),
		cmocka_unit_test(test_file_no_telegram_bounded),
		cmocka_unit_test(test_stdin_flags),
		cmocka_unit_test(test_serial_pty),
		cmocka_unit_test(test_serial_auto),
		cmocka_unit_test(test_serial_missing),
		cmocka_unit_test(test_tcp_reconnect),
		cmocka_unit_test(test_emulator_run),
		cmocka_unit_test(test_no_callbacks),
		cmocka_unit_test(test_file_encrypted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
