// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel_src.c - reading /dev/p1-N and following devices over netlink.
 *
 * Netlink events are received with recv() into a fixed buffer and parsed
 * with p1nl_parse_event(), without libnl's allocating receive path.  The
 * exporter joins only the "events" group (attach/detach), which needs no
 * privilege; telegrams are read from /dev/p1-N (group p1).  A module older
 * than the "telegrams" group also sends every telegram on "events": those
 * are skipped after a look at the command byte.
 *
 * Telegrams are read with a libp1 reader per device ("kernel:/dev/p1-N",
 * p1/reader.h: one read() per telegram, its metadata from P1_IOC_GET_META,
 * reader overruns reported), glued to the event loop by rdglue.c; a reader
 * that ends (EOF: unplugged or detached) is freed after its callback.
 *
 * Counters: a meter's kernel counters are kbase (what the devices it had
 * before counted) plus kstats (the device it has now).  The name p1-N is
 * reused as soon as a device is gone, and a dump can show the new device
 * before its ATTACHED event is read, so counters and events are matched
 * to the device by P1_A_DEV_ID, never by name (by name only with a module
 * too old to send the id).  DETACHED carries the final counters: they move
 * into kbase and the meter has no live device until the next ATTACHED.
 */
#include "kernel_src.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/p1.h>
#include <p1/reader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "meter.h"
#include "options.h"
#include "p1nl.h"
#include "rdglue.h"

#define NL_BUF	   (64 * 1024)
#define RETRY_NS   10000000000ull /* look for the module every 10 s */
#define REFRESH_NS 1000000000ull
#define REOPEN_NS  1000000000ull /* a node udev has not set up yet */

struct kdev {
	struct meter *m;
	char tty[P1NL_TTY_MAX];
	char dev[P1NL_NAME_MAX];
	struct rdglue g;     /* g.rd: the reader of /dev/dev, NULL: none */
	bool up;	     /* the reader opened the device and is reading */
	bool ended;	     /* the reader has ended: free it */
	uint64_t calls_base; /* read() calls of the readers before */
	uint64_t id;	     /* P1_A_DEV_ID counted in kstats; 0: none live */
	bool open_failed;    /* dev named, its stats taken, open() to retry */
};

static struct kdev kdevs[METER_MAX];
static int nkdevs;
static struct p1nl nl_req, nl_ev;
static bool req_open, ev_open, running;
static int ev_h = -1;
static struct ev_timer retry_timer, reopen_timer;
static uint64_t last_refresh;
static uint8_t *nlbuf;
static struct p1nl_dev dump[METER_MAX];

static bool kdev_live(const struct kdev *k)
{
	return k->g.rd && p1_reader_fd(k->g.rd, NULL) >= 0;
}

/* Free the reader (no callbacks); its read() calls stay counted. */
static void kdev_free_reader(struct kdev *k)
{
	if (!k->g.rd)
		return;
	rdglue_detach(&k->g);
	k->calls_base += p1_reader_get_counters(k->g.rd)->read_calls;
	p1_reader_free(k->g.rd);
	k->g.rd = NULL;
	k->ended = false;
	k->up = false;
}

static void kdev_close(struct kdev *k, const char *why)
{
	if (!kdev_live(k)) {
		kdev_free_reader(k);
		return;
	}
	kdev_free_reader(k);
	meter_set_state(k->m, MS_DISCONNECTED, why);
	log_info("meter %s: /dev/%s %s", k->m->name, k->dev, why);
}

static void kdev_telegram(struct p1_reader *r, void *user, const uint8_t *data,
			  const struct p1_reader_meta *meta)
{
	struct kdev *k = user;
	uint64_t before = k->m->parse_errors;

	(void)r;
	meter_telegram(k->m, data, meta->len, meta->status, meta->has_crc,
		       meta->realtime_first_ns, meta->realtime_last_ns);
	if (k->m->parse_errors != before)
		last_refresh = 0; /* keep "ok" from dipping */
}

static void kdev_error(struct p1_reader *r, void *user, int err,
		       const char *msg)
{
	struct kdev *k = user;

	(void)r;
	if (err == -EPIPE) {
		k->m->overruns++;
		meters_generation++;
		LOG_RL(LOG_WARNING,
		       "meter %s: fell behind the kernel's ring; telegrams "
		       "lost",
		       k->m->name);
		return;
	}
	LOG_RL(LOG_WARNING, "meter %s: /dev/%s: %s", k->m->name, k->dev, msg);
}

/* The device went away (EOF) or cannot be read: the reader has ended. */
static void kdev_closed(struct p1_reader *r, void *user, int final, int err,
			const char *why)
{
	struct kdev *k = user;

	(void)r;
	(void) final;
	k->ended = true;
	if (!k->up)
		return; /* not opened: kdev_attach() reports it */
	k->up = false;
	meter_set_state(k->m, MS_DISCONNECTED, why);
	log_info("meter %s: /dev/%s %s", k->m->name, k->dev, why);
	if (err == -ENODEV)
		k->m->reconnects++;
}

static const struct p1_reader_callbacks kdev_callbacks = {
	.telegram = kdev_telegram,
	.error = kdev_error,
	.closed = kdev_closed,
};

/* After each turn of the reader: counters; free it once it has ended. */
static void kdev_after(void *arg)
{
	struct kdev *k = arg;

	if (!k->g.rd)
		return;
	k->m->read_calls =
		k->calls_base + p1_reader_get_counters(k->g.rd)->read_calls;
	if (k->ended)
		kdev_free_reader(k);
}

static struct kdev *kdev_for(const struct p1nl_dev *d)
{
	struct kdev *k = NULL;

	/* The same device, else the same name (the meter the index had
	 * last), else a disconnected one on the same tty. */
	for (int i = 0; i < nkdevs; i++)
		if (d->id && kdevs[i].id == d->id)
			return &kdevs[i];
	for (int i = 0; i < nkdevs; i++)
		if (!strcmp(kdevs[i].dev, d->name))
			k = &kdevs[i];
	for (int i = 0; !k && i < nkdevs; i++)
		if (!kdev_live(&kdevs[i]) && d->tty[0] &&
		    !strcmp(kdevs[i].tty, d->tty))
			k = &kdevs[i];
	if (k)
		return k;
	if (nkdevs == METER_MAX)
		return NULL;
	k = &kdevs[nkdevs];
	memset(k, 0, sizeof(*k));
	rdglue_init(&k->g, NULL, kdev_after, k);
	k->m = meter_new(d->name, "kernel", "");
	if (!k->m)
		return NULL;
	k->m->kernel = true;
	nkdevs++;
	return k;
}

/* Is d the device whose counters k holds? */
static bool kdev_is(const struct kdev *k, const struct p1nl_dev *d)
{
	if (d->id)
		return k->id == d->id;
	return !strcmp(k->dev, d->name); /* a module without P1_A_DEV_ID */
}

static void kdev_stats(struct kdev *k, const struct p1nl_dev *d)
{
	bool changed = false;

	for (int s = 0; s < __P1_STAT_MAX && s < 32; s++) {
		if (!(d->stats_present & (1u << s)))
			continue;
		if (k->m->kstats[s] != d->stats[s])
			changed = true;
		k->m->kstats[s] = d->stats[s];
	}
	if (changed)
		meters_generation++;
}

/* The device's counters are final: they become part of the base. */
static void kdev_retire(struct kdev *k)
{
	for (int s = 0; s < 32; s++)
		k->m->kbase[s] += k->m->kstats[s];
	memset(k->m->kstats, 0, sizeof(k->m->kstats));
	k->id = 0;
}

/* Does the open /dev/p1-N belong to device id?  (Yes with a module that
 * cannot tell: it sends no ids either.) */
static bool kdev_open_is(int fd, uint64_t id)
{
	uint64_t got;

	if (fd < 0)
		return false;
	if (ioctl(fd, P1_IOC_GET_DEV_ID, &got) < 0)
		return errno == ENOTTY;
	return got == id;
}

static void kdev_attach(const struct p1nl_dev *d)
{
	struct kdev *k;
	char path[64];

	if (d->dead)
		return;
	k = kdev_for(d);
	if (!k) {
		LOG_RL(LOG_ERR, "kernel: no room for device %s", d->name);
		return;
	}
	if (kdev_live(k) && kdev_is(k, d))
		return; /* already reading it */
	kdev_close(k, "replaced");
	if (d->id ? k->id != d->id
		  : !k->open_failed || strcmp(k->dev, d->name)) {
		/*
		 * A new device for this meter.  If the old one's DETACHED was
		 * lost, keep what it was last seen to count.
		 */
		kdev_retire(k);
		log_debug("meter %s: device %s (id %llu); %llu good "
			  "telegrams counted before",
			  k->m->name, d->name, (unsigned long long)d->id,
			  (unsigned long long)k->m->kbase[P1_STAT_TELEGRAMS]);
		k->id = d->id;
	}
	snprintf(k->dev, sizeof(k->dev), "%s", d->name);
	snprintf(k->tty, sizeof(k->tty), "%s", d->tty);
	snprintf(k->m->source, sizeof(k->m->source), "/dev/%s (%s)", d->name,
		 d->tty[0] ? d->tty : "?");
	kdev_stats(k, d);
	snprintf(path, sizeof(path), "kernel:/dev/%s,reopen=no", d->name);
	k->ended = false;
	k->g.rd = p1_reader_new(path, &kdev_callbacks, k, NULL, 0);
	if (!k->g.rd || !rdglue_start(&k->g)) {
		LOG_RL(LOG_ERR, "kernel: /dev/%s: out of memory", d->name);
		kdev_free_reader(k);
		return;
	}
	k->open_failed = !kdev_live(k);
	if (!k->open_failed && d->id &&
	    !kdev_open_is(p1_reader_fd(k->g.rd, NULL), d->id)) {
		/*
		 * d is gone and its index went to a newer device, whose
		 * ATTACHED event is on its way: wait for that one.
		 */
		log_debug("meter %s: /dev/%s is no longer device %llu",
			  k->m->name, d->name, (unsigned long long)d->id);
		kdev_free_reader(k);
		meter_set_state(k->m, MS_DISCONNECTED, "replaced");
		return;
	}
	if (k->open_failed) {
		/*
		 * Right after the attach event udev may not have created the
		 * node or given it to group p1 yet: try again shortly.
		 */
		LOG_RL(LOG_ERR, "kernel: /dev/%s: %s (retrying)", d->name,
		       p1_reader_errmsg(k->g.rd));
		meter_set_state(k->m, MS_DISCONNECTED,
				p1_reader_errmsg(k->g.rd));
		kdev_free_reader(k);
		ev_timer_arm(&reopen_timer, REOPEN_NS);
		return;
	}
	k->up = true;
	snprintf(path, sizeof(path), "/dev/%s", d->name);
	log_info("meter %s: reading %s (tty %s)", k->m->name, path,
		 d->tty[0] ? d->tty : "?");
	meter_set_state(k->m, MS_CONNECTED, NULL);
}

static void resync(void)
{
	size_t count = 0;
	int r = p1nl_dump_devices(&nl_req, dump, METER_MAX, &count);

	if (r < 0) {
		LOG_RL(LOG_ERR, "kernel: listing devices: %s",
		       p1nl_errmsg(&nl_req));
		return;
	}
	if (count > METER_MAX)
		count = METER_MAX;
	for (size_t i = 0; i < count; i++)
		kdev_attach(&dump[i]);
	last_refresh = ev_now();
}

static void handle_event(const struct p1nl_event *ev)
{
	if (ev->cmd == P1_CMD_ATTACHED || ev->cmd == P1_CMD_DETACHED)
		log_debug("kernel: %s %s (tty %s), %llu good telegrams",
			  ev->cmd == P1_CMD_ATTACHED ? "attached" : "detached",
			  ev->dev.name, ev->dev.tty[0] ? ev->dev.tty : "?",
			  (unsigned long long)ev->dev.stats[P1_STAT_TELEGRAMS]);
	switch (ev->cmd) {
	case P1_CMD_ATTACHED:
		kdev_attach(&ev->dev);
		break;
	case P1_CMD_DETACHED:
		for (int i = 0; i < nkdevs; i++) {
			if (!kdev_is(&kdevs[i], &ev->dev))
				continue;
			kdev_stats(&kdevs[i], &ev->dev);
			if (ev->dev.id)
				kdev_retire(&kdevs[i]);
			/* Its fd still returns what was queued, then EOF. */
		}
		break;
	default:
		break;
	}
}

static void nl_readable(void *arg, int fd, short revents)
{
	(void)arg;
	(void)revents;
	for (int round = 0; round < 64; round++) {
		ssize_t n = recv(fd, nlbuf, NL_BUF, MSG_DONTWAIT);
		struct nlmsghdr *nlh;
		size_t len;

		if (n < 0) {
			if (errno == ENOBUFS) {
				LOG_RL(LOG_WARNING,
				       "kernel: netlink events lost; "
				       "resynchronising");
				resync();
				continue;
			}
			return; /* EAGAIN and the like */
		}
		len = (size_t)n;
		for (nlh = (struct nlmsghdr *)nlbuf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			struct genlmsghdr *gh = NLMSG_DATA(nlh);
			struct p1nl_event ev;

			if (nlh->nlmsg_type != nl_ev.family ||
			    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*gh)))
				continue;
			/* Telegrams: we read them from /dev/p1-N. */
			if (gh->cmd == P1_CMD_TELEGRAM)
				continue;
			if (p1nl_parse_event(nlh, &ev) == 0)
				handle_event(&ev);
		}
	}
}

static bool connect_family(void)
{
	int r = p1nl_open(&nl_req);

	if (r < 0)
		return false;
	req_open = true;
	r = p1nl_open(&nl_ev);
	if (r == 0) {
		ev_open = true;
		r = p1nl_subscribe(&nl_ev, NULL, NULL);
	}
	if (r < 0) {
		log_err("kernel: netlink events: %s", p1nl_errmsg(&nl_ev));
		return false;
	}
	ev_h = ev_fd_add(p1nl_fd(&nl_ev), POLLIN, nl_readable, NULL);
	log_info("kernel: following n_p1 devices");
	resync();
	return true;
}

static void disconnect_family(void)
{
	if (ev_h >= 0)
		ev_fd_del(ev_h);
	ev_h = -1;
	if (ev_open)
		p1nl_close(&nl_ev);
	if (req_open)
		p1nl_close(&nl_req);
	ev_open = req_open = false;
}

static void reopen(void *arg)
{
	(void)arg;
	if (req_open)
		resync();
}

static void retry(void *arg)
{
	(void)arg;
	if (connect_family())
		return;
	disconnect_family();
	ev_timer_arm(&retry_timer, RETRY_NS);
}

bool kernel_src_start(void)
{
	nlbuf = malloc(NL_BUF);
	if (!nlbuf)
		return false;
	running = true;
	ev_timer_init(&retry_timer, retry, NULL);
	ev_timer_init(&reopen_timer, reopen, NULL);
	if (connect_family())
		return true;
	disconnect_family();
	log_info("kernel: the n_p1 module is not loaded (no \"p1\" netlink "
		 "family); looking again every 10 s");
	ev_timer_arm(&retry_timer, RETRY_NS);
	return true;
}

void kernel_src_stop(void)
{
	if (!running)
		return;
	ev_timer_disarm(&retry_timer);
	ev_timer_disarm(&reopen_timer);
	for (int i = 0; i < nkdevs; i++)
		kdev_free_reader(&kdevs[i]);
	disconnect_family();
	running = false;
}

void kernel_src_refresh(void)
{
	size_t count = 0;
	uint64_t now = ev_now();

	if (!running || !req_open || now - last_refresh < REFRESH_NS)
		return;
	last_refresh = now;
	if (p1nl_dump_devices(&nl_req, dump, METER_MAX, &count) < 0) {
		LOG_RL(LOG_WARNING, "kernel: reading counters: %s",
		       p1nl_errmsg(&nl_req));
		/* The module may have gone: start looking for it again. */
		if (nl_req.nlerr) {
			disconnect_family();
			ev_timer_arm(&retry_timer, RETRY_NS);
		}
		return;
	}
	if (count > METER_MAX)
		count = METER_MAX;
	for (size_t i = 0; i < count; i++)
		for (int j = 0; j < nkdevs; j++)
			if (kdev_is(&kdevs[j], &dump[i]))
				kdev_stats(&kdevs[j], &dump[i]);
}
