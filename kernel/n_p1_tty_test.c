// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_tty_test.c - end-to-end KUnit suite for n_p1 through the real tty
 * receive path.
 *
 * A throwaway tty driver ("p1kt", one line) stands in for a serial port;
 * its tty device hangs below a stand-in hardware device ("p1kt_hw"), as
 * a UART's or a USB-serial port's does.
 * Each case opens its tty in the kernel (tty_kopen_exclusive), attaches the
 * n_p1 line discipline with tty_set_ldisc(), feeds bytes the way a UART
 * driver does (tty_insert_flip_*() + tty_flip_buffer_push(), then waits for
 * the flip-buffer work, so every chunk is one receive_buf call) and reads
 * telegrams through the readers' API of n_p1.h, as /dev/p1-N does.
 *
 * The cases hold a reference to the struct p1_dev, so they can still read
 * it after a hangup tore the line discipline down, as an open file can.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/sockptr.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/uio.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "compat.h"
#include "n_p1.h"

#define TT_BUF		4096	/* read buffer, larger than any telegram here */
#define TT_MAX_READERS	3

static struct tty_driver *tt_driver;
static struct tty_port tt_port;
static struct device *tt_hw;		/* the "hardware" of the tty */
static bool tt_registered;		/* its tty device exists */

/* Any line settings are fine: there is no hardware to program. */
static void tt_set_termios(struct tty_struct *tty, const struct ktermios *old)
{
}

/* Bytes only come in, from the test. */
static const struct tty_operations tt_ops = {
	.set_termios = tt_set_termios,
};

static const struct tty_port_operations tt_port_ops = {};

struct tt_ctx {
	struct kunit *test;
	struct tty_struct *tty;
	struct p1_dev *p;		/* referenced until exit */
	struct p1_reader r[TT_MAX_READERS];
	unsigned int nr;
	u8 *buf;
	u64 rx_bytes;			/* bytes fed, markers excluded */
};

/* The tty's device, below the hardware device (as serial_core does). */
static int tt_register_dev(void)
{
	struct device *dev = tty_port_register_device(&tt_port, tt_driver, 0,
						      tt_hw);

	if (IS_ERR(dev))
		return PTR_ERR(dev);
	tt_registered = true;
	return 0;
}

static void tt_unregister_dev(void)
{
	if (tt_registered)
		tty_unregister_device(tt_driver, 0);
	tt_registered = false;
}

static int tt_suite_init(struct kunit_suite *suite)
{
	struct tty_driver *d;
	int ret;

	tt_hw = root_device_register("p1kt_hw");
	if (IS_ERR(tt_hw))
		return PTR_ERR(tt_hw);
	d = tty_alloc_driver(1, TTY_DRIVER_REAL_RAW | TTY_DRIVER_RESET_TERMIOS |
			     TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(d)) {
		root_device_unregister(tt_hw);
		return PTR_ERR(d);
	}
	tty_port_init(&tt_port);
	tt_port.ops = &tt_port_ops;
	d->driver_name = "p1_kunit";
	d->name = "p1kt";
	d->type = TTY_DRIVER_TYPE_SERIAL;
	d->subtype = SERIAL_TYPE_NORMAL;
	d->init_termios = tty_std_termios;
	d->init_termios.c_cflag = B115200 | CS8 | CREAD | CLOCAL;
	tty_set_operations(d, &tt_ops);
	tty_port_link_device(&tt_port, d, 0);
	ret = tty_register_driver(d);
	if (ret) {
		tty_driver_kref_put(d);
		tty_port_destroy(&tt_port);
		root_device_unregister(tt_hw);
		return ret;
	}
	tt_driver = d;
	return tt_register_dev();
}

static void tt_suite_exit(struct kunit_suite *suite)
{
	if (!tt_driver)
		return;
	tt_unregister_dev();
	tty_unregister_driver(tt_driver);
	tty_driver_kref_put(tt_driver);
	tty_port_destroy(&tt_port);
	root_device_unregister(tt_hw);
	tt_driver = NULL;
}

/* Open the tty in the kernel and attach n_p1 to it. */
static int tt_init(struct kunit *test)
{
	struct tt_ctx *c;
	int ret;

	if (!tt_driver || !tt_registered)
		return -ENODEV;
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->buf = kunit_kzalloc(test, TT_BUF, GFP_KERNEL);
	if (!c->buf)
		return -ENOMEM;
	c->test = test;
	c->tty = tty_kopen_exclusive(MKDEV(tt_driver->major,
					   tt_driver->minor_start));
	if (IS_ERR(c->tty))
		return PTR_ERR(c->tty);
	tty_unlock(c->tty);	/* tty_kopen_exclusive() returns it locked */
	ret = tty_set_ldisc(c->tty, p1_ldisc_num);
	if (ret) {
		tty_kclose(c->tty);
		return ret;
	}
	c->p = c->tty->disc_data;
	if (!c->p) {
		tty_kclose(c->tty);
		return -EINVAL;
	}
	get_device(&c->p->dev);
	test->priv = c;
	return 0;
}

static void tt_exit(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	unsigned int i;

	if (!c)
		return;
	for (i = 0; i < c->nr; i++)
		p1_reader_destroy(&c->r[i]);
	tty_kclose(c->tty);	/* detaches n_p1 unless a hangup did */
	put_device(&c->p->dev);
}

static struct p1_reader *tt_reader(struct tt_ctx *c, u32 flags)
{
	struct p1_reader *r;

	KUNIT_ASSERT_LT(c->test, c->nr, TT_MAX_READERS);
	r = &c->r[c->nr++];
	p1_reader_init(r, c->p);
	p1_reader_set_flags(r, flags);
	return r;
}

/* Let the flip-buffer work hand everything queued to the ldisc. */
static void tt_flush(void)
{
	flush_work(&tt_port.buf.work);
}

/* Feed @n bytes in chunks of @chunk, one receive_buf call each. */
static void tt_feed(struct tt_ctx *c, const void *data, size_t n,
		    size_t chunk)
{
	const u8 *p = data;
	size_t k;

	while (n) {
		k = min(n, chunk);
		KUNIT_ASSERT_EQ(c->test,
				(size_t)tty_insert_flip_string(&tt_port, p, k), k);
		tty_flip_buffer_push(&tt_port);
		tt_flush();
		p += k;
		n -= k;
		c->rx_bytes += k;
	}
}

static void tt_feed_str(struct tt_ctx *c, const char *s)
{
	tt_feed(c, s, strlen(s), SIZE_MAX);
}

/* Feed one byte with a tty flag, as a UART driver reports an error. */
static void tt_feed_flagged(struct tt_ctx *c, u8 ch, u8 flag)
{
	KUNIT_ASSERT_EQ(c->test, tty_insert_flip_char(&tt_port, ch, flag), 1);
	tty_flip_buffer_push(&tt_port);
	tt_flush();
	if (flag != TTY_BREAK && flag != TTY_OVERRUN)
		c->rx_bytes++;
}

/* Telegram number @i: a valid DSMR 5 style telegram with its CRC. */
static char *tt_make(struct kunit *test, unsigned int i)
{
	char *s = kunit_kzalloc(test, 256, GFP_KERNEL);
	int n;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	n = scnprintf(s, 256,
		      "/P1T5\\KUnit-%u\r\n\r\n0-0:96.1.1(%08u)\r\n"
		      "1-0:1.8.1(%06u.%03u*kWh)\r\n0-0:96.13.0(%.*s)\r\n!",
		      i, i * 7919, i, i % 1000, (int)(i % 5) * 4,
		      "3031323334353637383930313233343536373839");
	scnprintf(s + n, 256 - n, "%04X\r\n",
		  p1_crc16(0, (const u8 *)s, n));
	return s;
}

/* The same with its CRC broken. */
static char *tt_make_bad(struct kunit *test, unsigned int i)
{
	char *s = tt_make(test, i);
	char *bang = strrchr(s, '!');

	bang[1] = bang[1] == '0' ? '1' : '0';
	return s;
}

/* Read into a kernel buffer through an iov_iter, as read_iter does. */
static ssize_t tt_read_into(struct p1_reader *r, void *buf, size_t len,
			    bool nonblock)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter it;

	iov_iter_kvec(&it, ITER_DEST, &kv, 1, len);
	return p1_reader_read(r, &it, nonblock);
}

/* Non-blocking read of the next telegram: its length or an error. */
static ssize_t tt_read(struct tt_ctx *c, struct p1_reader *r)
{
	return tt_read_into(r, c->buf, TT_BUF, true);
}

/* The next telegram @r reads is @exp, with sequence number @seq. */
static void tt_expect(struct tt_ctx *c, struct p1_reader *r, const char *exp,
		      u64 seq, u32 status)
{
	struct kunit *test = c->test;
	size_t len = strlen(exp);
	ssize_t ret = tt_read(c, r);

	KUNIT_ASSERT_EQ_MSG(test, ret, (ssize_t)len, "seq %llu", seq);
	KUNIT_EXPECT_TRUE_MSG(test, !memcmp(c->buf, exp, len),
			      "seq %llu: bytes differ", seq);
	KUNIT_EXPECT_EQ(test, r->meta.seq, seq);
	KUNIT_EXPECT_EQ(test, r->meta.len, (u32)len);
	KUNIT_EXPECT_EQ(test, r->meta.status, status);
	KUNIT_EXPECT_TRUE(test, r->meta.flags & P1_META_HAS_CRC);
	KUNIT_EXPECT_LE(test, r->meta.boottime_first_ns,
			r->meta.boottime_last_ns);
	KUNIT_EXPECT_LE(test, r->meta.realtime_first_ns,
			r->meta.realtime_last_ns);
	if (status == P1_STATUS_OK)
		KUNIT_EXPECT_EQ(test, r->meta.crc_rx, r->meta.crc_calc);
	else if (status == P1_STATUS_CRC_ERROR)
		KUNIT_EXPECT_NE(test, r->meta.crc_rx, r->meta.crc_calc);
}

/* All device counters, @exp holding the ones expected non-zero. */
static void tt_expect_stats(struct tt_ctx *c, const u64 *exp)
{
	static const char * const names[__P1_STAT_MAX] = {
		[P1_STAT_TELEGRAMS] = "telegrams",
		[P1_STAT_CRC_ERRORS] = "crc_errors",
		[P1_STAT_CRC_MISSING] = "crc_missing",
		[P1_STAT_LINE_ERRORS] = "line_errors",
		[P1_STAT_TRUNCATED] = "truncated",
		[P1_STAT_OVERSIZE] = "oversize",
		[P1_STAT_RECOVERED] = "recovered",
		[P1_STAT_GARBAGE_BYTES] = "garbage_bytes",
		[P1_STAT_RX_BYTES] = "rx_bytes",
		[P1_STAT_PARITY_ERRORS] = "parity_errors",
		[P1_STAT_FRAME_ERRORS] = "frame_errors",
		[P1_STAT_OVERRUNS] = "overruns",
		[P1_STAT_BREAKS] = "breaks",
		[P1_STAT_READER_OVERRUNS] = "reader_overruns",
		[P1_STAT_DROPPED] = "dropped",
		[P1_STAT_ENCRYPTED] = "encrypted",
		[P1_STAT_ENCRYPTED_NO_KEY] = "encrypted_no_key",
		[P1_STAT_ENCRYPTED_DECRYPTED] = "encrypted_decrypted",
		[P1_STAT_ENCRYPTED_AUTH_FAILED] = "encrypted_auth_failed",
		[P1_STAT_ENCRYPTED_REPLAYS] = "encrypted_replays",
		[P1_STAT_EVENTS_LOST] = "events_lost",
	};
	u64 got[__P1_STAT_MAX] = {};
	int i;

	p1_dev_stats(c->p, got);
	KUNIT_EXPECT_EQ(c->test, got[P1_STAT_RX_BYTES], c->rx_bytes);
	for (i = P1_STAT_TELEGRAMS; i < __P1_STAT_MAX; i++) {
		if (i == P1_STAT_RX_BYTES)
			continue;
		KUNIT_EXPECT_EQ_MSG(c->test, got[i], exp[i], "counter %s",
				    names[i]);
	}
}

#define TT_EXPECT_STATS(c, ...) \
	tt_expect_stats(c, (const u64 [__P1_STAT_MAX]) { __VA_ARGS__ })

/* ---- cases ---- */

static void n_p1_tty_attach(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct kernfs_node *kn;

	/*
	 * /dev/p1-N hangs below the hardware device, next to the tty's class
	 * device (as gnss does), and links to the tty.
	 */
	KUNIT_ASSERT_NOT_NULL(test, c->tty->dev);
	KUNIT_EXPECT_PTR_EQ(test, c->tty->dev->parent, tt_hw);
	KUNIT_EXPECT_PTR_EQ(test, c->p->dev.parent, tt_hw);
	kn = sysfs_get_dirent(c->p->dev.kobj.sd, "tty_device");
	KUNIT_EXPECT_NOT_NULL(test, kn);
	sysfs_put(kn);
	KUNIT_EXPECT_STREQ(test, c->p->tty_name, "p1kt0");
	KUNIT_EXPECT_STREQ(test, dev_name(&c->p->dev), "p1-0");
	KUNIT_EXPECT_EQ(test, c->tty->receive_room, 65536U);
	TT_EXPECT_STATS(c, [0] = 0);
}

/*
 * Two readers, one reading as telegrams come and one at the end, both get
 * every good telegram byte-exact and in order; a third that asked for all
 * also gets the one with a bad CRC, flagged.
 */
static void n_p1_tty_two_readers(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r1 = tt_reader(c, 0);
	struct p1_reader *r2 = tt_reader(c, 0);
	struct p1_reader *all = tt_reader(c, P1_RF_ALL);
	char *tg[9];
	unsigned int i;
	u64 seq = 0;

	for (i = 0; i < 9; i++)
		tg[i] = i == 6 ? tt_make_bad(test, i) : tt_make(test, i);

	tt_feed_str(c, "noise\r\n");
	for (i = 0; i < 9; i++) {
		/* Odd chunk sizes: telegrams straddle receive_buf calls. */
		tt_feed(c, tg[i], strlen(tg[i]), 13 + 10 * i);
		if (i == 6)
			continue;
		tt_expect(c, r1, tg[i], i + 1, P1_STATUS_OK);
		KUNIT_EXPECT_EQ(test, tt_read(c, r1), -EAGAIN);
	}
	for (i = 0; i < 9; i++) {
		seq = i + 1;
		if (i != 6)
			tt_expect(c, r2, tg[i], seq, P1_STATUS_OK);
		tt_expect(c, all, tg[i], seq,
			  i == 6 ? P1_STATUS_CRC_ERROR : P1_STATUS_OK);
	}
	KUNIT_EXPECT_EQ(test, tt_read(c, r1), -EAGAIN);
	KUNIT_EXPECT_EQ(test, tt_read(c, r2), -EAGAIN);
	KUNIT_EXPECT_EQ(test, tt_read(c, all), -EAGAIN);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 8, [P1_STAT_CRC_ERRORS] = 1,
			[P1_STAT_GARBAGE_BYTES] = 7);
}

/* A telegram split at every offset over two receive_buf calls. */
static void n_p1_tty_every_split(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	char *tg = tt_make(test, 4);
	size_t len = strlen(tg), i;

	for (i = 0; i <= len; i++) {
		tt_feed(c, tg, i, SIZE_MAX);
		tt_feed(c, tg + i, len - i, SIZE_MAX);
		tt_expect(c, r, tg, i + 1, P1_STATUS_OK);
		KUNIT_ASSERT_EQ_MSG(test, tt_read(c, r), (ssize_t)-EAGAIN,
				    "split at %zu", i);
	}
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = len + 1);
}

/* A too small buffer gets -EMSGSIZE and consumes nothing. */
static void n_p1_tty_msgsize(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	char *tg = tt_make(test, 1);
	size_t len = strlen(tg);

	KUNIT_EXPECT_EQ(test, p1_reader_next_len(r), 0U);
	KUNIT_EXPECT_FALSE(test, p1_reader_ready(r));
	tt_feed_str(c, tg);
	KUNIT_EXPECT_TRUE(test, p1_reader_ready(r));
	KUNIT_EXPECT_EQ(test, p1_reader_next_len(r), (u32)len);
	KUNIT_EXPECT_EQ(test, tt_read_into(r, c->buf, len - 1, true),
			(ssize_t)-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, p1_reader_next_len(r), (u32)len);
	tt_expect(c, r, tg, 1, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, p1_reader_next_len(r), 0U);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 1);
}

/*
 * A reader that fell behind by more than the ring gets -EPIPE once, then
 * resumes at the oldest telegram kept.  A new reader starts at the next
 * telegram and can step back.
 */
static void n_p1_tty_overrun(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	struct p1_reader *r2 = tt_reader(c, 0);
	struct p1_reader *late;
	u32 ring = c->p->ring_size, n = ring + 4, i;
	char **tg = kunit_kcalloc(test, n, sizeof(*tg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tg);
	for (i = 0; i < n; i++) {
		tg[i] = tt_make(test, i);
		tt_feed_str(c, tg[i]);
	}
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EPIPE);
	for (i = n - ring; i < n; i++)
		tt_expect(c, r, tg[i], i + 1, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = n,
			[P1_STAT_READER_OVERRUNS] = 1);

	/* Overrun is per reader: the second one gets its own -EPIPE. */
	KUNIT_EXPECT_EQ(test, tt_read(c, r2), (ssize_t)-EPIPE);
	tt_expect(c, r2, tg[n - ring], n - ring + 1, P1_STATUS_OK);

	late = tt_reader(c, 0);
	KUNIT_EXPECT_EQ(test, tt_read(c, late), (ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, p1_reader_rewind(late, 1), 1U);
	tt_expect(c, late, tg[n - 1], n, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, p1_reader_rewind(late, 1000), ring);
	tt_expect(c, late, tg[n - ring], n - ring + 1, P1_STATUS_OK);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = n,
			[P1_STAT_READER_OVERRUNS] = 2);
}

/* Bytes the driver flagged: counted by kind, telegram not good. */
static void n_p1_tty_flagged_bytes(struct kunit *test)
{
	static const u8 kinds[] = { TTY_PARITY, TTY_FRAME, TTY_BREAK,
				    TTY_OVERRUN };
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	struct p1_reader *all = tt_reader(c, P1_RF_ALL);
	char *tg[5];
	size_t at = 20;
	unsigned int i;

	for (i = 0; i < 5; i++)
		tg[i] = tt_make(test, i);
	for (i = 0; i < 4; i++) {
		bool marker = kinds[i] == TTY_BREAK || kinds[i] == TTY_OVERRUN;

		tt_feed(c, tg[i], at, SIZE_MAX);
		/* A marker is an extra NUL; parity/frame flag a real byte. */
		tt_feed_flagged(c, marker ? 0 : tg[i][at], kinds[i]);
		tt_feed(c, tg[i] + at + !marker, strlen(tg[i]) - at - !marker,
			SIZE_MAX);
	}
	tt_feed_str(c, tg[4]);

	tt_expect(c, r, tg[4], 5, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	for (i = 0; i < 5; i++)
		tt_expect(c, all, tg[i], i + 1,
			  i < 4 ? P1_STATUS_LINE_ERROR : P1_STATUS_OK);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 1, [P1_STAT_LINE_ERRORS] = 4,
			[P1_STAT_PARITY_ERRORS] = 1, [P1_STAT_FRAME_ERRORS] = 1,
			[P1_STAT_BREAKS] = 1, [P1_STAT_OVERRUNS] = 1);
}

/* termios CS7 (DSMR 2.2/3.0 at 7E1): bit 7 is masked. */
static void n_p1_tty_cs7(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	char *tg = tt_make(test, 3);
	size_t len = strlen(tg), i;
	u8 *hi = kunit_kmalloc(test, len, GFP_KERNEL);
	struct ktermios kt;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, hi);
	for (i = 0; i < len; i++)
		hi[i] = tg[i] | (i & 1 ? 0 : 0x80);
	kt = c->tty->termios;
	kt.c_cflag = (kt.c_cflag & ~CSIZE) | CS7 | PARENB;
	KUNIT_ASSERT_EQ(test, tty_set_termios(c->tty, &kt), 0);
	tt_feed(c, hi, len, 50);
	tt_expect(c, r, tg, 1, P1_STATUS_OK);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 1);
}

struct tt_blocked {
	struct p1_reader *r;
	struct completion done;
	atomic_t nread;		/* telegrams read so far */
	ssize_t last;		/* the read that ended the loop */
};

/* Read (blocking) until EOF or an error, like a reader of /dev/p1-N. */
static int tt_blocked_fn(void *arg)
{
	struct tt_blocked *b = arg;
	u8 *buf = kmalloc(TT_BUF, GFP_KERNEL);
	ssize_t ret = -ENOMEM;

	allow_signal(SIGKILL);	/* lets the test unblock it if all fails */
	while (buf) {
		ret = tt_read_into(b->r, buf, TT_BUF, false);
		if (ret <= 0)
			break;
		atomic_inc(&b->nread);
	}
	kfree(buf);
	b->last = ret;
	complete(&b->done);
	return 0;
}

/*
 * Unplug: a hangup wakes a reader blocked in read(), which gets EOF; a
 * reader with telegrams queued still gets them, then EOF.
 */
static void n_p1_tty_hangup(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *queued = tt_reader(c, 0);
	struct tt_blocked *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct task_struct *task;
	char *tg[2] = { tt_make(test, 1), tt_make(test, 2) };
	bool woke;
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	b->r = tt_reader(c, 0);
	init_completion(&b->done);
	task = kthread_create(tt_blocked_fn, b, "p1_kunit_reader");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	get_task_struct(task);
	wake_up_process(task);

	tt_feed_str(c, tg[0]);
	tt_feed_str(c, tg[1]);
	for (i = 0; i < 250 && atomic_read(&b->nread) < 2; i++)
		msleep(20);
	msleep(50);
	/* It read both and sleeps in read() again. */
	KUNIT_EXPECT_EQ(test, atomic_read(&b->nread), 2);
	KUNIT_EXPECT_FALSE(test, completion_done(&b->done));

	tty_vhangup(c->tty);
	woke = wait_for_completion_timeout(&b->done, 5 * HZ);
	if (!woke) {
		send_sig(SIGKILL, task, 1);
		wait_for_completion(&b->done);
	}
	put_task_struct(task);
	KUNIT_EXPECT_TRUE_MSG(test, woke, "hangup did not wake the reader");
	KUNIT_EXPECT_EQ(test, b->last, (ssize_t)0);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(c->p->dead));

	/* Queued telegrams first, then EOF, also when non-blocking. */
	KUNIT_EXPECT_TRUE(test, p1_reader_ready(queued));
	tt_expect(c, queued, tg[0], 1, P1_STATUS_OK);
	tt_expect(c, queued, tg[1], 2, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, tt_read(c, queued), (ssize_t)0);
	KUNIT_EXPECT_EQ(test, tt_read_into(queued, c->buf, TT_BUF, false),
			(ssize_t)0);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 2);
}

/*
 * serial_core's order on unbind (uart_remove_one_port): the tty's device
 * goes first, the hangup comes after.  /dev/p1-N hangs below the hardware
 * device, so its removal at the hangup finds its parent still there (the
 * log check of kunit.sh fails the run on the WARNING device_del gave).
 */
static void n_p1_tty_unbind_then_hangup(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	char *tg = tt_make(test, 1);

	tt_feed_str(c, tg);
	tt_unregister_dev();
	tty_vhangup(c->tty);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(c->p->dead));
	KUNIT_EXPECT_FALSE(test, device_is_registered(&c->p->dev));
	tt_expect(c, r, tg, 1, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)0);
	KUNIT_EXPECT_EQ(test, tt_register_dev(), 0);
}

/*
 * Input that arrives once the device is dead (hangup is not serialised
 * with receive_buf) is dropped: a reader never sees data after EOF.
 */
static void n_p1_tty_input_after_hangup(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	char *tg[2] = { tt_make(test, 1), tt_make(test, 2) };

	tt_feed_str(c, tg[0]);
	p1_dev_hangup(c->p);		/* what the ldisc ->hangup does */
	tt_feed(c, tg[1], strlen(tg[1]), 17);
	c->rx_bytes -= strlen(tg[1]);	/* never reached the framer */
	tt_expect(c, r, tg[0], 1, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)0);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)0);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 1);
}

/*
 * A reader asleep in read() does not hold its file's mutex: the ioctls of
 * that file (which take it) go on.
 */
static void n_p1_tty_read_sleeps_unlocked(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct tt_blocked *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct task_struct *task;
	char *tg = tt_make(test, 1);
	bool locked;
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	b->r = tt_reader(c, 0);
	init_completion(&b->done);
	task = kthread_run(tt_blocked_fn, b, "p1_kunit_sleeper");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	get_task_struct(task);
	msleep(100);			/* it is asleep in read() now */
	locked = !mutex_trylock(&b->r->mutex);
	if (!locked)
		mutex_unlock(&b->r->mutex);
	KUNIT_EXPECT_FALSE_MSG(test, locked, "read() sleeps holding the mutex");
	p1_reader_set_flags(b->r, P1_RF_ALL);
	KUNIT_EXPECT_EQ(test, p1_reader_get_flags(b->r), P1_RF_ALL);
	tt_feed_str(c, tg);
	for (i = 0; i < 250 && atomic_read(&b->nread) < 1; i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->nread), 1);
	tty_vhangup(c->tty);
	if (!wait_for_completion_timeout(&b->done, 5 * HZ)) {
		send_sig(SIGKILL, task, 1);
		wait_for_completion(&b->done);
	}
	put_task_struct(task);
	KUNIT_EXPECT_EQ(test, b->last, (ssize_t)0);
}

/* Rewind counts only the telegrams the reader would be given. */
static void n_p1_tty_rewind_counts_wanted(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	struct p1_reader *all = tt_reader(c, P1_RF_ALL);
	char *tg[4];
	int i;

	for (i = 0; i < 4; i++) {
		tg[i] = i & 1 ? tt_make_bad(test, i) : tt_make(test, i);
		tt_feed_str(c, tg[i]);
	}
	for (i = 0; i < 4; i++)
		tt_expect(c, all, tg[i], i + 1,
			  i & 1 ? P1_STATUS_CRC_ERROR : P1_STATUS_OK);
	tt_expect(c, r, tg[0], 1, P1_STATUS_OK);
	tt_expect(c, r, tg[2], 3, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	/* Back over bad 4 and good 3: one telegram it gets stepped over. */
	KUNIT_EXPECT_EQ(test, p1_reader_rewind(r, 1), 1U);
	tt_expect(c, r, tg[2], 3, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, p1_reader_rewind(r, 100), 2U);
	tt_expect(c, r, tg[0], 1, P1_STATUS_OK);
	tt_expect(c, r, tg[2], 3, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, p1_reader_rewind(all, 100), 4U);
}

/* A no-op tcsetattr() keeps the telegram in progress; a new speed not. */
static void n_p1_tty_termios_noop(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	char *tg = tt_make(test, 1);
	size_t len = strlen(tg), half = len / 2;
	struct ktermios kt;

	tt_feed(c, tg, half, SIZE_MAX);
	kt = c->tty->termios;
	KUNIT_ASSERT_EQ(test, tty_set_termios(c->tty, &kt), 0);
	tt_feed(c, tg + half, len - half, SIZE_MAX);
	tt_expect(c, r, tg, 1, P1_STATUS_OK);

	tt_feed(c, tg, half, SIZE_MAX);
	tty_termios_encode_baud_rate(&kt, 9600, 9600);
	KUNIT_ASSERT_EQ(test, tty_set_termios(c->tty, &kt), 0);
	tt_feed(c, tg + half, len - half, SIZE_MAX);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 1, [P1_STAT_TRUNCATED] = 1,
			[P1_STAT_GARBAGE_BYTES] = len - half);
}

/* The ring is bounded by bytes too: the oldest telegrams go first. */
static void n_p1_tty_ring_bytes(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *old = tt_reader(c, 0);
	struct p1_reader *late;
	char *tg[6];
	size_t len = 0;
	int i;

	for (i = 0; i < 6; i++) {
		tg[i] = tt_make(test, 10 + i);
		len = max(len, strlen(tg[i]));
	}
	spin_lock(&c->p->lock);
	c->p->ring_bytes_max = 3 * len;
	spin_unlock(&c->p->lock);
	for (i = 0; i < 6; i++)
		tt_feed_str(c, tg[i]);
	KUNIT_EXPECT_LE(test, c->p->ring_bytes, 3 * len);
	late = tt_reader(c, 0);
	KUNIT_EXPECT_EQ(test, p1_reader_rewind(late, 100), 3U);
	for (i = 3; i < 6; i++)
		tt_expect(c, late, tg[i], i + 1, P1_STATUS_OK);
	KUNIT_EXPECT_EQ(test, tt_read(c, old), (ssize_t)-EPIPE);
	tt_expect(c, old, tg[3], 4, P1_STATUS_OK);
}

static void tt_equipment_id(struct tt_ctx *c, char *out)
{
	spin_lock(&c->p->lock);
	strscpy(out, c->p->equipment_id, P1_IDENT_MAX);
	spin_unlock(&c->p->lock);
}

/*
 * The equipment id comes from verified telegrams only (not from one whose
 * CRC failed and that "ignore" let through), and follows a new meter.
 * ident is printable ASCII whatever the meter sends.
 */
static void n_p1_tty_equipment_id(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	char *bad = tt_make_bad(test, 1);	/* id 00007919 */
	char *a = tt_make(test, 2);		/* id 00015838 */
	char *b = tt_make(test, 3);		/* id 00023757 */
	char eid[P1_IDENT_MAX];
	char *esc;
	int n;

	spin_lock(&c->p->lock);
	p1_framer_set_crc_mode(&c->p->fr, P1_CRC_IGNORE);
	spin_unlock(&c->p->lock);
	tt_feed_str(c, bad);
	tt_equipment_id(c, eid);
	KUNIT_EXPECT_STREQ(test, eid, "");
	tt_feed_str(c, a);
	tt_equipment_id(c, eid);
	KUNIT_EXPECT_STREQ(test, eid, "00015838");
	tt_feed_str(c, b);
	tt_equipment_id(c, eid);
	KUNIT_EXPECT_STREQ(test, eid, "00023757");

	/* An escape sequence in the identification line. */
	esc = kunit_kzalloc(test, 128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, esc);
	n = scnprintf(esc, 128, "/P1T5\x1b[2J\x7f\xc3\xa9x\r\n\r\n!");
	scnprintf(esc + n, 128 - n, "%04X\r\n",
		  p1_crc16(0, (const u8 *)esc, n));
	tt_feed_str(c, esc);
	spin_lock(&c->p->lock);
	strscpy(eid, c->p->ident, sizeof(eid));
	spin_unlock(&c->p->lock);
	KUNIT_EXPECT_STREQ(test, eid, "P1T5?[2J???x");
	/* No id in that telegram: the last one stays. */
	tt_equipment_id(c, eid);
	KUNIT_EXPECT_STREQ(test, eid, "00023757");
}

/*
 * A trailer line ending in a bare CR completes once the line stays quiet,
 * not only when the next byte arrives; a CRLF split after the CR still
 * keeps its LF.
 */
static void n_p1_tty_bare_cr_completes(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);
	char *tg = tt_make(test, 5);
	size_t len = strlen(tg);
	ssize_t n = -EAGAIN;
	int i;

	tt_feed(c, tg, len - 1, SIZE_MAX);	/* "...!XXXX\r", no LF */
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	for (i = 0; i < 100 && n == -EAGAIN; i++) {
		msleep(20);
		n = tt_read(c, r);
	}
	KUNIT_ASSERT_EQ(test, n, (ssize_t)(len - 1));
	KUNIT_EXPECT_TRUE(test, !memcmp(c->buf, tg, len - 1));

	/* CR | LF in two receive_buf calls: one telegram, LF included. */
	tt_feed(c, tg, len - 1, SIZE_MAX);
	tt_feed(c, tg + len - 1, 1, SIZE_MAX);
	tt_expect(c, r, tg, 2, P1_STATUS_OK);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 2);
}

/* ---- encrypted meters (n_p1_crypto.c) ---- */

/*
 * Two DLMS general-global-ciphering frames (frame counters 5 and 6) made
 * by python3-cryptography from the telegrams below, with the key of
 * tests/corpus/lu-smarty.key and Smarty's authentication key.
 */
static const u8 tt_dlms_5[] = {
	0xdb, 0x08, 0x53, 0x41, 0x47, 0x10, 0x05, 0x0b,
	0x87, 0x21, 0x82, 0x00, 0x44, 0x30, 0x00, 0x00,
	0x00, 0x05, 0xbd, 0x9c, 0x4f, 0xca, 0xb5, 0xd2,
	0x8c, 0xcc, 0x8d, 0x37, 0xa5, 0x71, 0x51, 0x32,
	0x34, 0xea, 0xb2, 0xc3, 0xa0, 0x7c, 0xf4, 0xc2,
	0x55, 0x74, 0x6f, 0xe3, 0x06, 0xf1, 0xa9, 0x0a,
	0x8c, 0xb6, 0x58, 0x5d, 0xb0, 0x13, 0xbc, 0xd9,
	0xb8, 0x66, 0x8d, 0xc0, 0x54, 0x6f, 0xb8, 0x96,
	0xa3, 0xab, 0x5d, 0x7d, 0x67, 0x55, 0xbb, 0x91,
	0x53, 0xcb, 0xd6, 0x52, 0x77, 0x86, 0x4a, 0xf3,
	0x2c,
};

static const u8 tt_dlms_6[] = {
	0xdb, 0x08, 0x53, 0x41, 0x47, 0x10, 0x05, 0x0b,
	0x87, 0x21, 0x82, 0x00, 0x44, 0x30, 0x00, 0x00,
	0x00, 0x06, 0x06, 0xd0, 0xfd, 0xc7, 0x08, 0x41,
	0x77, 0x66, 0x32, 0xfc, 0xcb, 0xa6, 0xaa, 0x47,
	0x8e, 0xab, 0x4f, 0x8a, 0xe2, 0x75, 0xae, 0xa9,
	0x70, 0x86, 0x17, 0xe2, 0xbe, 0x87, 0x31, 0x02,
	0x6d, 0x03, 0x44, 0xc2, 0xdd, 0x40, 0x2c, 0x4f,
	0xf1, 0x56, 0xba, 0x5d, 0xf0, 0x9c, 0x5a, 0xa6,
	0xee, 0xa2, 0xfa, 0x49, 0x6a, 0xea, 0x5d, 0xaf,
	0x25, 0x30, 0xb3, 0x8b, 0x7f, 0xa4, 0xc3, 0x31,
	0xd1,
};

/* their plaintexts */
#define TT_DLMS_PLAIN_5 "/Lux5\\KUnit-5\r\n\r\n1-0:1.8.0(000035.005*kWh)\r\n!36C8\r\n"
#define TT_DLMS_PLAIN_6 "/Lux5\\KUnit-6\r\n\r\n1-0:1.8.0(000042.006*kWh)\r\n!4665\r\n"

static const u8 tt_key[P1_KEY_LEN] = {
	0x5a, 0x1e, 0x0c, 0x9b, 0x37, 0xf2, 0xd4, 0x46,
	0x8e, 0x0b, 0x71, 0xa3, 0xc5, 0xd9, 0x2f, 0x64,
};

/* The system title of both frames. */
static const u8 tt_title[8] = { 'S', 'A', 'G', 0x10, 0x05, 0x0b, 0x87, 0x21 };

/* The next telegram of @r is @exp, decrypted from frame @counter. */
static void tt_expect_enc(struct tt_ctx *c, struct p1_reader *r,
			  const char *exp, u64 seq, u32 counter)
{
	tt_expect(c, r, exp, seq, P1_STATUS_OK);
	KUNIT_EXPECT_TRUE(c->test, r->meta.flags & P1_META_ENCRYPTED);
	KUNIT_EXPECT_EQ(c->test, r->meta.frame_counter, counter);
	KUNIT_EXPECT_TRUE(c->test, !memcmp(r->meta.system_title, tt_title,
					   sizeof(tt_title)));
}

static void n_p1_tty_encrypted(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0), *all = tt_reader(c, P1_RF_ALL);
	u8 *forged = kunit_kmalloc(test, sizeof(tt_dlms_6), GFP_KERNEL);
	char *tg = tt_make(test, 1);
	struct p1_reader *rr[2] = { r, all };
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, forged);
	KUNIT_ASSERT_EQ(test, p1_crypto_set_key(c->p, tt_key), 0);
	KUNIT_EXPECT_TRUE(test, p1_crypto_has_key(c->p));
	memcpy(forged, tt_dlms_6, sizeof(tt_dlms_6));
	forged[30] ^= 0x01;			/* one ciphertext bit */
	tt_feed(c, tt_dlms_5, sizeof(tt_dlms_5), 7);
	tt_feed(c, tt_dlms_5, sizeof(tt_dlms_5), SIZE_MAX);	/* replay */
	tt_feed(c, forged, sizeof(tt_dlms_6), SIZE_MAX);	/* forgery */
	tt_feed(c, tt_dlms_6, sizeof(tt_dlms_6), 1);
	tt_feed_str(c, tg);
	for (i = 0; i < 2; i++) {
		tt_expect_enc(c, rr[i], TT_DLMS_PLAIN_5, 1, 5);
		tt_expect_enc(c, rr[i], TT_DLMS_PLAIN_6, 2, 6);
		tt_expect(c, rr[i], tg, 3, P1_STATUS_OK);
		KUNIT_EXPECT_FALSE(test, rr[i]->meta.flags & P1_META_ENCRYPTED);
		KUNIT_EXPECT_EQ(test, rr[i]->meta.frame_counter, 0U);
		KUNIT_EXPECT_EQ(test, tt_read(c, rr[i]), (ssize_t)-EAGAIN);
	}
	KUNIT_EXPECT_FALSE(test, p1_crypto_key_needed(c->p));
	/* the forgery was scanned again: a frame's bytes, not garbage */
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 3, [P1_STAT_ENCRYPTED] = 4,
			[P1_STAT_ENCRYPTED_DECRYPTED] = 2,
			[P1_STAT_ENCRYPTED_AUTH_FAILED] = 1,
			[P1_STAT_ENCRYPTED_REPLAYS] = 1);
}

/* A reader asleep in read() wakes for each decrypted telegram. */
static void n_p1_tty_encrypted_wakes_reader(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct tt_blocked *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct task_struct *task;
	bool woke;
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	KUNIT_ASSERT_EQ(test, p1_crypto_set_key(c->p, tt_key), 0);
	b->r = tt_reader(c, 0);
	init_completion(&b->done);
	task = kthread_create(tt_blocked_fn, b, "p1_kunit_enc_reader");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	get_task_struct(task);
	wake_up_process(task);
	msleep(50);			/* asleep in read() */
	tt_feed(c, tt_dlms_5, sizeof(tt_dlms_5), 11);
	for (i = 0; i < 250 && atomic_read(&b->nread) < 1; i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->nread), 1);
	tt_feed(c, tt_dlms_6, sizeof(tt_dlms_6), SIZE_MAX);
	for (i = 0; i < 250 && atomic_read(&b->nread) < 2; i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->nread), 2);
	tty_vhangup(c->tty);
	woke = wait_for_completion_timeout(&b->done, 5 * HZ);
	if (!woke) {
		send_sig(SIGKILL, task, 1);
		wait_for_completion(&b->done);
	}
	put_task_struct(task);
	KUNIT_EXPECT_TRUE(test, woke);
}

/* Frame 5 with @lost bytes lost after its 40th, then frame 6. */
static void tt_feed_cut(struct tt_ctx *c, size_t lost)
{
	const size_t n5 = sizeof(tt_dlms_5);
	u8 *cut = kunit_kmalloc(c->test, n5, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(c->test, cut);
	KUNIT_ASSERT_EQ(c->test, p1_crypto_set_key(c->p, tt_key), 0);
	memcpy(cut, tt_dlms_5, 40);
	memcpy(cut + 40, tt_dlms_5 + 40 + lost, n5 - 40 - lost);
	tt_feed(c, cut, n5 - lost, 7);
	tt_feed(c, tt_dlms_6, sizeof(tt_dlms_6), 7);
}

/*
 * 5 bytes lost inside frame 5 make it run 5 bytes into frame 6 (whose
 * header straddles frame 5's end): frame 5 fails its tag, its bytes are
 * scanned again, and frame 6 is found and decrypted, not lost with it.
 */
static void n_p1_tty_encrypted_cut(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);

	tt_feed_cut(c, 5);
	tt_expect_enc(c, r, TT_DLMS_PLAIN_6, 1, 6);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	/* the cut frame's bytes were counted as a frame, not as garbage */
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 1, [P1_STAT_ENCRYPTED] = 2,
			[P1_STAT_ENCRYPTED_DECRYPTED] = 1,
			[P1_STAT_ENCRYPTED_AUTH_FAILED] = 1,
			[P1_STAT_RECOVERED] = 1);
}

/*
 * 20 bytes lost: frame 6's header is inside frame 5, which is cut off
 * there (truncated, never handed to the decryption), and frame 6 is
 * decrypted.
 */
static void n_p1_tty_encrypted_cut_header(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0);

	tt_feed_cut(c, 20);
	tt_expect_enc(c, r, TT_DLMS_PLAIN_6, 1, 6);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 1, [P1_STAT_ENCRYPTED] = 1,
			[P1_STAT_ENCRYPTED_DECRYPTED] = 1,
			[P1_STAT_TRUNCATED] = 1, [P1_STAT_RECOVERED] = 1);
}

/* Without a key: counted, raw for P1_RF_ALL only; then wrong keys. */
static void n_p1_tty_encrypted_no_key(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	struct p1_reader *r = tt_reader(c, 0), *all = tt_reader(c, P1_RF_ALL);
	static const u8 other[P1_KEY_LEN] = { 1, 2, 3 };
	u8 k[P1_KEY_LEN];

	tt_feed(c, tt_dlms_5, sizeof(tt_dlms_5), SIZE_MAX);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	KUNIT_ASSERT_EQ(test, tt_read(c, all), (ssize_t)sizeof(tt_dlms_5));
	KUNIT_EXPECT_TRUE(test, !memcmp(c->buf, tt_dlms_5, sizeof(tt_dlms_5)));
	KUNIT_EXPECT_EQ(test, all->meta.status, (u32)P1_STATUS_ENCRYPTED);
	KUNIT_EXPECT_TRUE(test, all->meta.flags & P1_META_ENCRYPTED);
	KUNIT_EXPECT_EQ(test, all->meta.frame_counter, 5U);
	KUNIT_EXPECT_TRUE(test, !memcmp(all->meta.system_title, tt_title,
					sizeof(tt_title)));
	KUNIT_EXPECT_TRUE(test, p1_crypto_key_needed(c->p));

	/* The wrong key, then the right key with a wrong auth key. */
	KUNIT_ASSERT_EQ(test, p1_crypto_set_key(c->p, other), 0);
	KUNIT_EXPECT_FALSE(test, p1_crypto_key_needed(c->p));
	tt_feed(c, tt_dlms_5, sizeof(tt_dlms_5), SIZE_MAX);
	KUNIT_ASSERT_EQ(test, p1_crypto_set_key(c->p, tt_key), 0);
	KUNIT_ASSERT_EQ(test, p1_crypto_set_auth_key(c->p, other), 0);
	tt_feed(c, tt_dlms_5, sizeof(tt_dlms_5), SIZE_MAX);
	KUNIT_ASSERT_EQ(test, p1_crypto_set_auth_key(c->p, NULL), 0);
	tt_feed(c, tt_dlms_5, sizeof(tt_dlms_5), SIZE_MAX);
	tt_expect_enc(c, r, TT_DLMS_PLAIN_5, 2, 5);
	/* Cleared again: no key. */
	KUNIT_ASSERT_EQ(test, p1_crypto_set_key(c->p, NULL), 0);
	tt_feed(c, tt_dlms_6, sizeof(tt_dlms_6), SIZE_MAX);
	KUNIT_EXPECT_EQ(test, tt_read(c, r), (ssize_t)-EAGAIN);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 1, [P1_STAT_ENCRYPTED] = 5,
			[P1_STAT_ENCRYPTED_NO_KEY] = 2,
			[P1_STAT_ENCRYPTED_DECRYPTED] = 1,
			[P1_STAT_ENCRYPTED_AUTH_FAILED] = 2);

	/* sysfs syntax: 32 hex digits, a newline allowed, empty clears. */
	KUNIT_EXPECT_EQ(test, p1_crypto_parse_key("5A1E0C9B37F2D4468E0B71A3C5D92F64\n",
						  33, k), P1_KEY_LEN);
	KUNIT_EXPECT_TRUE(test, !memcmp(k, tt_key, P1_KEY_LEN));
	KUNIT_EXPECT_EQ(test, p1_crypto_parse_key("\n", 1, k), 0);
	KUNIT_EXPECT_EQ(test, p1_crypto_parse_key("5A1E", 4, k), -EINVAL);
	KUNIT_EXPECT_EQ(test, p1_crypto_parse_key("5A1E0C9B37F2D4468E0B71A3C5D92F6X",
						  32, k), -EINVAL);
}

/* ---- telegram events (n_p1_netlink.c, the notify work) ---- */

/*
 * A kernel socket in group "telegrams": a privileged subscriber (the KUnit
 * thread has CAP_NET_ADMIN), so telegram events are sent.
 */
static struct socket *tt_tg_listener(struct kunit *test)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	u32 grp = p1_genl_tg_group();
	struct socket *sock;
	int ret;

	ret = sock_create_kern(&init_net, PF_NETLINK, SOCK_RAW,
			       NETLINK_GENERIC, &sock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/*
	 * Bound (a port id of its own): broadcasts skip the socket whose id
	 * is the sender's, 0.  void *: the address type changed in 6.19.
	 */
	ret = kernel_bind(sock, (void *)&sa, sizeof(sa));
	if (!ret)
		ret = sock->ops->setsockopt(sock, SOL_NETLINK,
					    NETLINK_ADD_MEMBERSHIP,
					    KERNEL_SOCKPTR(&grp), sizeof(grp));
	if (ret)
		sock_release(sock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return sock;
}

/*
 * The next telegram event queued on @sock, into @buf (@size bytes): its
 * P1_A_SEQ, or 0 if none is queued.
 */
static u64 tt_tg_event(struct kunit *test, struct socket *sock, void *buf,
		       size_t size)
{
	struct kvec kv = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = { };
	struct nlmsghdr *nlh = buf;
	struct genlmsghdr *gh;
	struct nlattr *a;
	int n;

	n = kernel_recvmsg(sock, &msg, &kv, 1, size, MSG_DONTWAIT);
	if (n == -EAGAIN)
		return 0;
	KUNIT_ASSERT_GT(test, n, (int)(NLMSG_HDRLEN + GENL_HDRLEN));
	KUNIT_ASSERT_TRUE(test, nlmsg_ok(nlh, n));
	gh = nlmsg_data(nlh);
	KUNIT_EXPECT_EQ(test, gh->cmd, (u8)P1_CMD_TELEGRAM);
	a = nlmsg_find_attr(nlh, GENL_HDRLEN, P1_A_SEQ);
	KUNIT_ASSERT_NOT_NULL(test, a);
	return nla_get_u64(a);
}

/*
 * Telegrams that leave the ring before the notify work gets to them are
 * counted in events_lost, exactly; the others are sent, in order, and a
 * decrypted one carries its frame's counter and system title.
 */
static void n_p1_tty_events_lost(struct kunit *test)
{
	struct tt_ctx *c = test->priv;
	u8 *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	char *burst = kunit_kzalloc(test, 1024, GFP_KERNEL);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct socket *sock;
	struct nlattr *a;
	size_t max, n;
	int i;

	if (!P1_HAVE_PRIV_MCGRP)
		kunit_skip(test, "no GENL_MCAST_CAP_NET_ADMIN: no events");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, burst);
	for (i = 0, n = 0; i < 5; i++)
		n += scnprintf(burst + n, 1024 - n, "%s", tt_make(test, 20 + i));
	sock = tt_tg_listener(test);
	KUNIT_EXPECT_TRUE(test, p1_genl_tg_listeners());

	/*
	 * The ring keeps only the newest telegram (bound by bytes); five
	 * arrive in one receive_buf call, which schedules the notify work
	 * only when done: four are gone before their turn.
	 */
	spin_lock(&c->p->lock);
	max = c->p->ring_bytes_max;
	c->p->ring_bytes_max = 1;
	spin_unlock(&c->p->lock);
	tt_feed(c, burst, strlen(burst), SIZE_MAX);
	flush_work(&c->p->notify_work);
	KUNIT_EXPECT_EQ(test, tt_tg_event(test, sock, buf, 4096), 5ULL);
	KUNIT_EXPECT_EQ(test, tt_tg_event(test, sock, buf, 4096), 0ULL);

	/* One at a time: each sent, none lost; encrypted ones say so. */
	spin_lock(&c->p->lock);
	c->p->ring_bytes_max = max;
	spin_unlock(&c->p->lock);
	tt_feed_str(c, tt_make(test, 30));
	flush_work(&c->p->notify_work);
	KUNIT_EXPECT_EQ(test, tt_tg_event(test, sock, buf, 4096), 6ULL);
	KUNIT_EXPECT_NULL(test, nlmsg_find_attr(nlh, GENL_HDRLEN,
						P1_A_FRAME_COUNTER));
	KUNIT_ASSERT_EQ(test, p1_crypto_set_key(c->p, tt_key), 0);
	tt_feed(c, tt_dlms_5, sizeof(tt_dlms_5), SIZE_MAX);
	flush_work(&c->p->notify_work);
	KUNIT_EXPECT_EQ(test, tt_tg_event(test, sock, buf, 4096), 7ULL);
	KUNIT_EXPECT_NOT_NULL(test, nlmsg_find_attr(nlh, GENL_HDRLEN,
						    P1_A_ENCRYPTED));
	a = nlmsg_find_attr(nlh, GENL_HDRLEN, P1_A_FRAME_COUNTER);
	KUNIT_EXPECT_TRUE(test, a && nla_get_u32(a) == 5);
	a = nlmsg_find_attr(nlh, GENL_HDRLEN, P1_A_SYSTEM_TITLE);
	KUNIT_EXPECT_TRUE(test, a && nla_len(a) == sizeof(tt_title) &&
			  !memcmp(nla_data(a), tt_title, sizeof(tt_title)));
	sock_release(sock);
	TT_EXPECT_STATS(c, [P1_STAT_TELEGRAMS] = 7, [P1_STAT_ENCRYPTED] = 1,
			[P1_STAT_ENCRYPTED_DECRYPTED] = 1,
			[P1_STAT_EVENTS_LOST] = 4);
}

/*
 * P1_IOC_GET_META answers the number of every struct size from version 1
 * up (older binaries, newer headers), and nothing else.
 */
#define TT_META_IOC(dir, size)	_IOC(dir, P1_IOC_MAGIC, 1, size)

static void n_p1_tty_meta_ioctl_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, p1_meta_ioctl_size(P1_IOC_GET_META),
			(u32)sizeof(struct p1_telegram_meta));
	KUNIT_EXPECT_EQ(test, p1_meta_ioctl_size(P1_IOC_GET_META_V1),
			(u32)P1_TELEGRAM_META_SIZE_V1);
	/* the number binaries built before version 2 have (asm-generic) */
	if (_IOC_READ == 2U)
		KUNIT_EXPECT_EQ(test, P1_IOC_GET_META_V1, 0x8038b901U);
	/* a newer header's larger struct; too small; the wrong direction */
	KUNIT_EXPECT_EQ(test, p1_meta_ioctl_size(TT_META_IOC(_IOC_READ, 200)),
			200U);
	KUNIT_EXPECT_EQ(test, p1_meta_ioctl_size(TT_META_IOC(_IOC_READ, 48)),
			0U);
	KUNIT_EXPECT_EQ(test, p1_meta_ioctl_size(TT_META_IOC(_IOC_WRITE, 72)),
			0U);
	KUNIT_EXPECT_EQ(test, p1_meta_ioctl_size(P1_IOC_SET_FLAGS), 0U);
	KUNIT_EXPECT_EQ(test, p1_meta_ioctl_size(P1_IOC_GET_DEV_ID), 0U);
}

static struct kunit_case n_p1_tty_cases[] = {
	KUNIT_CASE(n_p1_tty_attach),
	KUNIT_CASE(n_p1_tty_two_readers),
	KUNIT_CASE(n_p1_tty_every_split),
	KUNIT_CASE(n_p1_tty_msgsize),
	KUNIT_CASE(n_p1_tty_overrun),
	KUNIT_CASE(n_p1_tty_flagged_bytes),
	KUNIT_CASE(n_p1_tty_cs7),
	KUNIT_CASE(n_p1_tty_hangup),
	KUNIT_CASE(n_p1_tty_encrypted),
	KUNIT_CASE(n_p1_tty_encrypted_no_key),
	KUNIT_CASE(n_p1_tty_encrypted_wakes_reader),
	KUNIT_CASE(n_p1_tty_meta_ioctl_sizes),
	KUNIT_CASE(n_p1_tty_events_lost),
	KUNIT_CASE(n_p1_tty_encrypted_cut),
	KUNIT_CASE(n_p1_tty_encrypted_cut_header),
	KUNIT_CASE(n_p1_tty_unbind_then_hangup),
	KUNIT_CASE(n_p1_tty_input_after_hangup),
	KUNIT_CASE(n_p1_tty_read_sleeps_unlocked),
	KUNIT_CASE(n_p1_tty_rewind_counts_wanted),
	KUNIT_CASE(n_p1_tty_termios_noop),
	KUNIT_CASE(n_p1_tty_ring_bytes),
	KUNIT_CASE(n_p1_tty_equipment_id),
	KUNIT_CASE(n_p1_tty_bare_cr_completes),
	{}
};

static struct kunit_suite n_p1_tty_suite = {
	.name = "n_p1_tty",
	.suite_init = tt_suite_init,
	.suite_exit = tt_suite_exit,
	.init = tt_init,
	.exit = tt_exit,
	.test_cases = n_p1_tty_cases,
};

kunit_test_suite(n_p1_tty_suite);
