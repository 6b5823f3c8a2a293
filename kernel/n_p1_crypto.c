// SPDX-License-Identifier: GPL-2.0
/*
 * n_p1_crypto.c - encrypted meters (Luxembourg Smarty, Austria): DLMS
 * general-global-ciphering frames authenticated and decrypted with the
 * kernel crypto API ("gcm(aes)", 12-byte tag), the telegram inside framed
 * and CRC-checked by a second framer and stored like any other, with
 * P1_META_ENCRYPTED set.
 *
 * Frame (see p1_framer.h): 0xDB 0x08 title(8) 0x82 L(2) 0x30 counter(4)
 * ciphertext(L - 17) tag(12); IV = title || counter; AAD = 0x30 ||
 * authentication key (Smarty's published one by default).
 *
 * A frame is delivered only if its tag is right AND its frame counter is
 * above the last one accepted from its system title (P1_CRYPTO_TITLES
 * titles remembered, the least recently seen forgotten first); otherwise
 * it is counted (P1_STAT_ENCRYPTED_AUTH_FAILED, P1_STAT_ENCRYPTED_REPLAYS).
 * Without a key it is counted (P1_STAT_ENCRYPTED_NO_KEY) and, for readers
 * with P1_RF_ALL, stored raw with status P1_STATUS_ENCRYPTED.
 *
 * Each telegram delivered from a frame carries P1_META_ENCRYPTED, the
 * frame counter and the system title in its metadata.
 *
 * Locking and context (see n_p1.h): struct p1_crypto (transform, request,
 * buffers, the keys, the frame counter of each title) is allocated and
 * freed in process context (sysfs, netlink, the tty ioctl), never under a
 * lock.  The receive path (p1_crypto_frame()) runs with p1_dev.rx_mutex
 * held and p1_dev.lock not: it decrypts, checks the frame counter,
 * allocates the telegrams (GFP_KERNEL) and queues them in frame order, all
 * under rx_mutex, so the replay check and the acceptance of a frame are
 * one step for every other frame; counters and the ring are updated, and
 * a frame failing its tag is handed back to the framer (p1_framer_reject(),
 * rescanned by the next push of the receive loop), under p1_dev.lock.
 * p1_crypto_swap() replaces p1_dev.crypto with both held,
 * so neither the receive path nor a holder of p1_dev.lock ever sees it
 * freed.  The transform is synchronous (CRYPTO_ALG_ASYNC masked out).
 * Keys are wiped when freed (kfree_sensitive(), crypto_free_aead()).
 */
#include <crypto/aead.h>
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "n_p1.h"

#define P1_CRYPTO_TITLES	8
#define P1_AAD_LEN		(1 + P1_KEY_LEN)
#define P1_IV_LEN		12

static const u8 p1_smarty_auth_key[P1_KEY_LEN] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

struct p1_crypto_title {
	u8 title[P1_DLMS_TITLE_LEN];
	u32 last;	/* last accepted frame counter */
	u64 seen;	/* tick of that frame; 0: slot free */
};

struct p1_crypto {
	struct crypto_aead *tfm;
	struct aead_request *req;
	u8 *work;	/* AAD || ciphertext || tag, decrypted in place */
	u32 work_cap;
	u8 *pbuf;	/* the second framer's buffer */
	struct p1_framer pfr;
	u8 key[P1_KEY_LEN];
	u8 auth[P1_KEY_LEN];
	u64 tick;
	struct p1_crypto_title titles[P1_CRYPTO_TITLES];
};

static void p1_crypto_free(struct p1_crypto *c)
{
	if (!c)
		return;
	aead_request_free(c->req);
	if (!IS_ERR_OR_NULL(c->tfm))
		crypto_free_aead(c->tfm);
	kfree_sensitive(c->work);
	kvfree(c->pbuf);
	kfree_sensitive(c);
}

static struct p1_crypto *p1_crypto_alloc(const u8 *key, const u8 *auth)
{
	struct p1_crypto *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int ret;

	if (!c)
		return ERR_PTR(-ENOMEM);
	memcpy(c->key, key, P1_KEY_LEN);
	memcpy(c->auth, auth, P1_KEY_LEN);
	c->tfm = crypto_alloc_aead("gcm(aes)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(c->tfm)) {
		ret = PTR_ERR(c->tfm);
		goto err;
	}
	ret = crypto_aead_setkey(c->tfm, key, P1_KEY_LEN);
	if (!ret)
		ret = crypto_aead_setauthsize(c->tfm, P1_DLMS_GCM_TAG);
	if (ret)
		goto err;
	ret = -ENOMEM;
	c->req = aead_request_alloc(c->tfm, GFP_KERNEL);
	/* A frame is at most the framer's limit: 13 + L <= 64 KiB. */
	c->work_cap = P1_AAD_LEN + P1_MAX_TELEGRAM_LIMIT;
	c->work = kmalloc(c->work_cap, GFP_KERNEL);
	c->pbuf = kvmalloc(P1_MAX_TELEGRAM_LIMIT, GFP_KERNEL);
	if (!c->req || !c->work || !c->pbuf)
		goto err;
	p1_framer_init(&c->pfr, c->pbuf, P1_MAX_TELEGRAM_LIMIT);
	return c;
err:
	p1_crypto_free(c);
	return ERR_PTR(ret);
}

void p1_crypto_init(struct p1_dev *p)
{
	memcpy(p->auth_key, p1_smarty_auth_key, P1_KEY_LEN);
}

void p1_crypto_destroy(struct p1_dev *p)
{
	p1_crypto_free(p->crypto);
	p->crypto = NULL;
	memzero_explicit(p->auth_key, sizeof(p->auth_key));
}

/*
 * Replace p1_dev.crypto with @c (may be NULL); free the old one once
 * neither lock is held.  Process context.
 */
static void p1_crypto_swap(struct p1_dev *p, struct p1_crypto *c)
{
	struct p1_crypto *old;

	mutex_lock(&p->rx_mutex);
	spin_lock(&p->lock);
	old = p->crypto;
	p->crypto = c;
	spin_unlock(&p->lock);
	mutex_unlock(&p->rx_mutex);
	p1_crypto_free(old);
}

int p1_crypto_set_key(struct p1_dev *p, const u8 *key)
{
	u8 auth[P1_KEY_LEN];
	struct p1_crypto *c = NULL;

	if (key) {
		spin_lock(&p->lock);
		memcpy(auth, p->auth_key, P1_KEY_LEN);
		spin_unlock(&p->lock);
		c = p1_crypto_alloc(key, auth);
		memzero_explicit(auth, sizeof(auth));
		if (IS_ERR(c))
			return PTR_ERR(c);
	}
	p1_crypto_swap(p, c);
	return 0;
}

int p1_crypto_set_auth_key(struct p1_dev *p, const u8 *auth)
{
	struct p1_crypto *c = NULL;
	u8 key[P1_KEY_LEN];
	bool have_key;

	if (!auth)
		auth = p1_smarty_auth_key;
	spin_lock(&p->lock);
	memcpy(p->auth_key, auth, P1_KEY_LEN);
	have_key = p->crypto;
	if (have_key)
		memcpy(key, p->crypto->key, P1_KEY_LEN);
	spin_unlock(&p->lock);
	if (!have_key)
		return 0;
	/* Rekey with the new authentication key (counters start over). */
	c = p1_crypto_alloc(key, auth);
	memzero_explicit(key, sizeof(key));
	if (IS_ERR(c))
		return PTR_ERR(c);
	p1_crypto_swap(p, c);
	return 0;
}

bool p1_crypto_has_key(struct p1_dev *p)
{
	bool has;

	spin_lock(&p->lock);
	has = p->crypto;
	spin_unlock(&p->lock);
	return has;
}

int p1_crypto_parse_key(const char *buf, size_t count, u8 *key)
{
	size_t n = count;

	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (!n)
		return 0;
	if (n != 2 * P1_KEY_LEN || hex2bin(key, buf, P1_KEY_LEN))
		return -EINVAL;
	return P1_KEY_LEN;
}

/* The slot of @title, or a free / the least recently used one. */
static struct p1_crypto_title *p1_title_slot(struct p1_crypto *c,
					     const u8 *title, bool *known)
{
	struct p1_crypto_title *old = &c->titles[0];
	int i;

	for (i = 0; i < P1_CRYPTO_TITLES; i++) {
		struct p1_crypto_title *t = &c->titles[i];

		if (t->seen && !memcmp(t->title, title, P1_DLMS_TITLE_LEN)) {
			*known = true;
			return t;
		}
		if (t->seen < old->seen)
			old = t;
	}
	*known = false;
	return old;
}

/* Authenticate and decrypt @f into c->work + P1_AAD_LEN; plaintext length. */
static int p1_gcm_open(struct p1_crypto *c, const struct p1_frame *f)
{
	u32 l = f->len - P1_DLMS_HDR;		/* sec, counter, ct, tag */
	u32 ctlen = l - 5;			/* ciphertext + tag */
	u8 iv[P1_IV_LEN];
	struct scatterlist sg;
	int ret;

	if (P1_AAD_LEN + ctlen > c->work_cap)
		return -EMSGSIZE;
	c->work[0] = P1_DLMS_SEC_AE;
	memcpy(c->work + 1, c->auth, P1_KEY_LEN);
	memcpy(c->work + P1_AAD_LEN, f->data + P1_DLMS_HDR + 5, ctlen);
	memcpy(iv, f->data + 2, P1_DLMS_TITLE_LEN);
	memcpy(iv + P1_DLMS_TITLE_LEN, f->data + P1_DLMS_HDR + 1, 4);
	sg_init_one(&sg, c->work, P1_AAD_LEN + ctlen);
	aead_request_set_callback(c->req, 0, NULL, NULL);
	aead_request_set_ad(c->req, P1_AAD_LEN);
	aead_request_set_crypt(c->req, &sg, &sg, ctlen, iv);
	ret = crypto_aead_decrypt(c->req);
	if (ret) {
		memzero_explicit(c->work, P1_AAD_LEN + ctlen);
		return ret;
	}
	return ctlen - P1_DLMS_GCM_TAG;
}

/* The frame counter of DLMS frame @f (big endian, after the security byte). */
static u32 p1_frame_counter(const struct p1_frame *f)
{
	const u8 *d = f->data + P1_DLMS_HDR + 1;

	return (u32)d[0] << 24 | (u32)d[1] << 16 | (u32)d[2] << 8 | d[3];
}

/* A telegram from frame @f (P1_META_ENCRYPTED, its counter and title). */
static struct p1_tg *p1_enc_tg(const struct p1_frame *out,
			       const struct p1_frame *f, u64 boot, u64 real)
{
	struct p1_tg *tg = p1_tg_new(out, boot, real);

	if (tg) {
		tg->meta.flags |= P1_META_ENCRYPTED;
		tg->meta.frame_counter = p1_frame_counter(f);
		memcpy(tg->meta.system_title, f->data + 2, P1_DLMS_TITLE_LEN);
	}
	return tg;
}

/* The raw frame, for P1_RF_ALL readers only. */
static bool p1_store_raw(struct p1_dev *p, const struct p1_frame *f, u64 boot,
			 u64 real)
{
	struct p1_frame raw = *f;

	raw.status = P1_STATUS_ENCRYPTED;
	return p1_dev_store(p, p1_enc_tg(&raw, f, boot, real));
}

/* Count one frame's fate: @n is p->enc_no_key, ->enc_auth_failed, ... */
static void p1_enc_count(struct p1_dev *p, u64 *n)
{
	spin_lock(&p->lock);
	++*n;
	spin_unlock(&p->lock);
}

/*
 * The second framer's counters move to p->enc_stats (under p->lock, with
 * which sysfs and netlink read them) after each push, before the telegram
 * it completed is queued: counters never lag behind what readers see.
 */
static void p1_crypto_fold_stats(struct p1_dev *p, struct p1_crypto *c)
{
	struct p1_framer_stats *st = &c->pfr.st;

	spin_lock(&p->lock);
	p->enc_stats.telegrams += st->telegrams;
	p->enc_stats.crc_errors += st->crc_errors;
	p->enc_stats.crc_missing += st->crc_missing;
	p->enc_stats.truncated += st->truncated;
	p->enc_stats.oversize += st->oversize;
	spin_unlock(&p->lock);
	memset(st, 0, sizeof(*st));
}

bool p1_crypto_frame(struct p1_dev *p, const struct p1_frame *f, u64 boot,
		     u64 real)
{
	struct p1_crypto *c = p->crypto;	/* stable under rx_mutex */
	struct p1_crypto_title *t;
	const u8 *title = f->data + 2, *d;
	struct p1_frame out;
	bool stored = false, known;
	u32 counter;
	size_t n, used;
	int len;

	might_sleep();		/* GFP_KERNEL allocations: never atomic */
	lockdep_assert_held(&p->rx_mutex);
	if (f->status != P1_FR_OK)	/* a line error: counted by the framer */
		return false;
	if (!c) {
		p1_enc_count(p, &p->enc_no_key);
		return p1_store_raw(p, f, boot, real);
	}
	counter = p1_frame_counter(f);
	len = p1_gcm_open(c, f);
	if (len < 0) {
		/*
		 * Bytes lost in it may have let it swallow the next frame's
		 * start: its bytes are scanned again (a framer reset since
		 * it was handed out makes this a no-op).
		 */
		spin_lock(&p->lock);
		p->enc_auth_failed++;
		p1_framer_reject(&p->fr);
		spin_unlock(&p->lock);
		return false;
	}
	t = p1_title_slot(c, title, &known);
	if (known && counter <= t->last) {
		p1_enc_count(p, &p->enc_replays);
		memzero_explicit(c->work, P1_AAD_LEN + len);
		return false;
	}
	memcpy(t->title, title, P1_DLMS_TITLE_LEN);
	t->last = counter;
	t->seen = ++c->tick;
	p1_enc_count(p, &p->enc_decrypted);

	/* The telegram inside: framed and CRC-checked like any other. */
	spin_lock(&p->lock);
	p1_framer_set_max(&c->pfr, p->fr.max);
	p1_framer_set_crc_mode(&c->pfr, p->fr.crc_mode);
	spin_unlock(&p->lock);
	p1_framer_reset(&c->pfr);
	d = c->work + P1_AAD_LEN;
	n = len;
	while (n) {
		used = p1_framer_push(&c->pfr, d, NULL, n, f->end_stamp, &out);
		d += used;
		n -= used;
		if (!out.len && !n && c->pfr.len)
			/* a trailer's CR at the very end: one more byte */
			p1_framer_push(&c->pfr, (const u8 *)"", NULL, 1,
				       f->end_stamp, &out);
		p1_crypto_fold_stats(p, c);
		if (out.len && out.type == P1_FRAME_TEXT) {
			out.start_stamp = f->start_stamp;
			stored |= p1_dev_store(p, p1_enc_tg(&out, f, boot,
							    real));
		} else if (!used && !out.len) {
			break;
		}
	}
	p1_framer_reset(&c->pfr);
	p1_crypto_fold_stats(p, c);
	memzero_explicit(c->work, P1_AAD_LEN + len);
	return stored;
}

/* Called with p->lock held, after the framer's counters are in @s. */
void p1_crypto_stats(struct p1_dev *p, u64 *s)
{
	const struct p1_framer_stats *st = &p->enc_stats;

	s[P1_STAT_ENCRYPTED_NO_KEY] = p->enc_no_key;
	s[P1_STAT_ENCRYPTED_DECRYPTED] = p->enc_decrypted;
	s[P1_STAT_ENCRYPTED_AUTH_FAILED] = p->enc_auth_failed;
	s[P1_STAT_ENCRYPTED_REPLAYS] = p->enc_replays;
	/* telegrams decrypted from frames: the second framer's verdicts */
	s[P1_STAT_TELEGRAMS] += st->telegrams;
	s[P1_STAT_CRC_ERRORS] += st->crc_errors;
	s[P1_STAT_CRC_MISSING] += st->crc_missing;
	s[P1_STAT_TRUNCATED] += st->truncated;
	s[P1_STAT_OVERSIZE] += st->oversize;
}

/* P1_TIOC_SET_KEY on the tty (the holder of the discipline). */
int p1_crypto_ioctl(struct p1_dev *p, void __user *arg)
{
	struct p1_key k;
	int ret;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	if (copy_from_user(&k, arg, sizeof(k)))
		return -EFAULT;
	if (k.flags & ~(P1_KEY_SET | P1_KEY_AUTH)) {
		ret = -EINVAL;
		goto out;
	}
	ret = p1_crypto_set_auth_key(p, k.flags & P1_KEY_AUTH ? k.auth_key
							      : NULL);
	if (!ret)
		ret = p1_crypto_set_key(p, k.flags & P1_KEY_SET ? k.key : NULL);
out:
	memzero_explicit(&k, sizeof(k));
	return ret;
}

/*
 * sysfs: key and auth_key are write-only (0200: root), 32 hex digits; an
 * empty write clears the key / restores Smarty's authentication key.
 * key_needed (world-readable): 1 while encrypted frames arrive without a
 * key.  Keys are never shown.
 */
static ssize_t p1_key_write(struct device *dev, const char *buf, size_t count,
			    bool auth)
{
	struct p1_dev *p = dev_get_drvdata(dev);
	u8 key[P1_KEY_LEN];
	int n, ret;

	n = p1_crypto_parse_key(buf, count, key);
	if (n < 0)
		return n;
	if (auth)
		ret = p1_crypto_set_auth_key(p, n ? key : NULL);
	else
		ret = p1_crypto_set_key(p, n ? key : NULL);
	memzero_explicit(key, sizeof(key));
	return ret ? ret : count;
}

static ssize_t key_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	return p1_key_write(dev, buf, count, false);
}

static ssize_t auth_key_store(struct device *dev,
			      struct device_attribute *attr, const char *buf,
			      size_t count)
{
	return p1_key_write(dev, buf, count, true);
}

bool p1_crypto_key_needed(struct p1_dev *p)
{
	bool needed;

	spin_lock(&p->lock);
	needed = !p->crypto && p->enc_no_key;
	spin_unlock(&p->lock);
	return needed;
}

static ssize_t key_needed_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  p1_crypto_key_needed(dev_get_drvdata(dev)));
}

DEVICE_ATTR_WO(key);
DEVICE_ATTR_WO(auth_key);
DEVICE_ATTR_RO(key_needed);
