// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p1_dlms.c - authenticate and decrypt DLMS general-global-ciphering
 * frames with OpenSSL's EVP AES-128-GCM (see p1/dlms.h).
 *
 * The cipher context is created once and keyed when the key is set; a
 * frame only sets the IV, the AAD, the tag and runs the cipher, so the
 * per-frame path allocates nothing.  The tag is the first 12 bytes of the
 * 16-byte GCM tag; OpenSSL checks a tag of the length it is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <p1/dlms.h>

#include "p1_framer.h"

struct title_state {
	uint8_t title[P1_DLMS_TITLE_SIZE];
	uint32_t last; /* last accepted frame counter */
	uint64_t seen; /* tick of the last accepted frame; 0: slot free */
};

struct p1_dlms {
	EVP_CIPHER_CTX *ctx;
	bool has_key;
	bool keyed; /* ctx holds the key */
	uint8_t key[P1_DLMS_KEY_LEN];
	uint8_t aad[1 + P1_DLMS_KEY_LEN]; /* 0x30 || authentication key */
	uint64_t tick;
	struct title_state titles[P1_DLMS_TITLES];
};

struct p1_dlms *p1_dlms_new(void)
{
	struct p1_dlms *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->ctx = EVP_CIPHER_CTX_new();
	if (!d->ctx) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	p1_dlms_set_auth_key(d, NULL);
	return d;
}

void p1_dlms_free(struct p1_dlms *d)
{
	if (!d)
		return;
	EVP_CIPHER_CTX_free(d->ctx); /* wipes the key schedule */
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

/* Key schedule for decryption, once per key (and after a seal). */
static void rekey(struct p1_dlms *d)
{
	d->keyed = EVP_DecryptInit_ex(d->ctx, EVP_aes_128_gcm(), NULL, NULL,
				      NULL) == 1 &&
		   EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_GCM_SET_IVLEN, 12,
				       NULL) == 1 &&
		   EVP_DecryptInit_ex(d->ctx, NULL, NULL, d->key, NULL) == 1;
}

void p1_dlms_set_key(struct p1_dlms *d, const uint8_t *key)
{
	OPENSSL_cleanse(d->key, sizeof(d->key));
	d->has_key = key != NULL;
	d->keyed = false;
	EVP_CIPHER_CTX_reset(d->ctx);
	if (!key)
		return;
	memcpy(d->key, key, sizeof(d->key));
	/* A failure here is retried (and reported) per frame. */
	rekey(d);
}

void p1_dlms_set_auth_key(struct p1_dlms *d, const uint8_t *auth_key)
{
	d->aad[0] = P1_DLMS_SEC_AE;
	if (auth_key)
		memcpy(d->aad + 1, auth_key, P1_DLMS_KEY_LEN);
	else
		p1_dlms_key_from_hex(P1_DLMS_SMARTY_AUTH_KEY, d->aad + 1);
}

bool p1_dlms_has_key(const struct p1_dlms *d)
{
	return d->has_key;
}

void p1_dlms_copy_keys(struct p1_dlms *to, const struct p1_dlms *from)
{
	p1_dlms_set_key(to, from->has_key ? from->key : NULL);
	p1_dlms_set_auth_key(to, from->aad + 1);
}

void p1_dlms_forget(struct p1_dlms *d)
{
	memset(d->titles, 0, sizeof(d->titles));
}

int p1_dlms_parse(const uint8_t *f, size_t len, struct p1_dlms_info *info)
{
	size_t l;

	if (len < P1_DLMS_MIN || f[0] != P1_DLMS_TAG ||
	    f[1] != P1_DLMS_TITLE_LEN || f[10] != P1_DLMS_LEN_TAG ||
	    f[13] != P1_DLMS_SEC_AE)
		return -1;
	l = (size_t)f[11] << 8 | f[12];
	if (l != len - P1_DLMS_HDR)
		return -1;
	if (info) {
		memcpy(info->title, f + 2, P1_DLMS_TITLE_SIZE);
		info->counter = (uint32_t)f[14] << 24 | (uint32_t)f[15] << 16 |
				(uint32_t)f[16] << 8 | f[17];
		info->plain_len = (uint32_t)(l - 5 - P1_DLMS_GCM_TAG);
	}
	return 0;
}

/* The slot of @title, or a free / the least recently used one. */
static struct title_state *title_slot(struct p1_dlms *d, const uint8_t *title,
				      bool *known)
{
	struct title_state *old = &d->titles[0];
	unsigned i;

	for (i = 0; i < P1_DLMS_TITLES; i++) {
		struct title_state *t = &d->titles[i];

		if (t->seen && !memcmp(t->title, title, P1_DLMS_TITLE_SIZE)) {
			*known = true;
			return t;
		}
		if (t->seen < old->seen)
			old = t;
	}
	*known = false;
	return old;
}

static bool gcm_open(struct p1_dlms *d, const uint8_t *iv, const uint8_t *ct,
		     size_t n, const uint8_t *tag, uint8_t *out, int *err)
{
	int l = 0, fl = 0;

	*err = 0;
	if (!d->keyed) {
		rekey(d);
		if (!d->keyed) {
			*err = 1;
			return false;
		}
	}
	if (EVP_DecryptInit_ex(d->ctx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_DecryptUpdate(d->ctx, NULL, &l, d->aad, sizeof(d->aad)) != 1 ||
	    EVP_DecryptUpdate(d->ctx, out, &l, ct, (int)n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_GCM_SET_TAG, P1_DLMS_GCM_TAG,
				(void *)tag) != 1) {
		*err = 1;
		return false;
	}
	/* The tag check: Final fails if it does not match. */
	return EVP_DecryptFinal_ex(d->ctx, out + l, &fl) == 1;
}

enum p1_dlms_result p1_dlms_decrypt(struct p1_dlms *d, const uint8_t *frame,
				    size_t len, uint8_t *out, size_t cap,
				    struct p1_dlms_info *info)
{
	struct p1_dlms_info tmp, *in = info ? info : &tmp;
	struct title_state *ts;
	uint8_t iv[12];
	bool known;
	int err;

	if (p1_dlms_parse(frame, len, in) || in->plain_len > cap)
		return P1_DLMS_MALFORMED;
	if (!d->has_key)
		return P1_DLMS_NO_KEY;
	memcpy(iv, in->title, 8);
	memcpy(iv + 8, frame + 14, 4);
	if (!gcm_open(d, iv, frame + 18, in->plain_len,
		      frame + 18 + in->plain_len, out, &err)) {
		OPENSSL_cleanse(out, in->plain_len);
		return err ? P1_DLMS_ERROR : P1_DLMS_AUTH_FAILED;
	}
	ts = title_slot(d, in->title, &known);
	if (known && in->counter <= ts->last) {
		OPENSSL_cleanse(out, in->plain_len);
		return P1_DLMS_REPLAY;
	}
	memcpy(ts->title, in->title, P1_DLMS_TITLE_SIZE);
	ts->last = in->counter;
	ts->seen = ++d->tick;
	return P1_DLMS_OK;
}

int p1_dlms_seal(struct p1_dlms *d, const uint8_t title[P1_DLMS_TITLE_SIZE],
		 uint32_t counter, const uint8_t *plain, size_t n, uint8_t *out,
		 size_t cap)
{
	size_t l = 5 + n + P1_DLMS_GCM_TAG;
	uint8_t iv[12], tag[16];
	int k = 0, fl = 0;

	if (!d->has_key || n < 1 || l > 0xffff || P1_DLMS_HDR + l > cap)
		return -1;
	d->keyed = false; /* the decrypt direction re-keys itself */
	out[0] = P1_DLMS_TAG;
	out[1] = P1_DLMS_TITLE_LEN;
	memcpy(out + 2, title, P1_DLMS_TITLE_SIZE);
	out[10] = P1_DLMS_LEN_TAG;
	out[11] = (uint8_t)(l >> 8);
	out[12] = (uint8_t)l;
	out[13] = P1_DLMS_SEC_AE;
	out[14] = (uint8_t)(counter >> 24);
	out[15] = (uint8_t)(counter >> 16);
	out[16] = (uint8_t)(counter >> 8);
	out[17] = (uint8_t)counter;
	memcpy(iv, title, 8);
	memcpy(iv + 8, out + 14, 4);
	if (EVP_EncryptInit_ex(d->ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) !=
		    1 ||
	    EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) !=
		    1 ||
	    EVP_EncryptInit_ex(d->ctx, NULL, NULL, d->key, iv) != 1 ||
	    EVP_EncryptUpdate(d->ctx, NULL, &k, d->aad, sizeof(d->aad)) != 1 ||
	    EVP_EncryptUpdate(d->ctx, out + 18, &k, plain, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(d->ctx, out + 18 + k, &fl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(d->ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		return -1;
	memcpy(out + 18 + n, tag, P1_DLMS_GCM_TAG);
	return (int)(P1_DLMS_HDR + l);
}

const char *p1_dlms_result_name(enum p1_dlms_result r)
{
	switch (r) {
	case P1_DLMS_OK:
		return "ok";
	case P1_DLMS_NO_KEY:
		return "no_key";
	case P1_DLMS_AUTH_FAILED:
		return "auth_failed";
	case P1_DLMS_REPLAY:
		return "replay";
	case P1_DLMS_MALFORMED:
		return "malformed";
	case P1_DLMS_ERROR:
		return "error";
	}
	return "?";
}

int p1_dlms_key_from_hex(const char *s, uint8_t key[P1_DLMS_KEY_LEN])
{
	uint8_t k[P1_DLMS_KEY_LEN];
	unsigned n = 0;

	for (; *s; s++) {
		int h = p1_hexval((u8)*s);

		if (h >= 0) {
			if (n == 2 * P1_DLMS_KEY_LEN)
				goto bad;
			if (n % 2)
				k[n / 2] = (uint8_t)(k[n / 2] << 4 | h);
			else
				k[n / 2] = (uint8_t)h;
			n++;
		} else if ((*s == ' ' || *s == ':' || *s == '-') && n &&
			   n < 2 * P1_DLMS_KEY_LEN) {
			continue;
		} else if (*s == '\n' || *s == '\r') {
			if (s[1] && !(s[1] == '\n' && !s[2]))
				goto bad;
			break;
		} else {
			goto bad;
		}
	}
	if (n != 2 * P1_DLMS_KEY_LEN)
		goto bad;
	memcpy(key, k, sizeof(k));
	OPENSSL_cleanse(k, sizeof(k));
	return 0;
bad:
	OPENSSL_cleanse(k, sizeof(k));
	return -1;
}

int p1_dlms_key_from_file(const char *path, uint8_t key[P1_DLMS_KEY_LEN])
{
	char buf[257];
	ssize_t r;
	size_t n = 0;
	char *nl;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc;

	if (fd < 0)
		return -1;
	while (n < sizeof(buf) - 1) {
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = errno;
			close(fd);
			OPENSSL_cleanse(buf, sizeof(buf));
			errno = rc;
			return -1;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		nl[1] = '\0';
	rc = p1_dlms_key_from_hex(buf, key);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc)
		errno = EINVAL;
	return rc;
}
